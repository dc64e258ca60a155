"""The submission store: every file that arrived, its original kept once by sha256, what was read from it,
which version of a recipient's form is current, what was issued, and an append-only, hash-chained audit log.

Any SQLAlchemy URL works; SQLite (a file in the working folder) is the default, PostgreSQL is tested.
Writers are serialised per transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock, which
also keeps the audit chain linear), and the sha256 is unique, so two ingests running at once, or one killed
and run again, store every file exactly once.

Roles (PostgreSQL): ``FORMKIT_DB`` (``url``) is what the application connects as; ``FORMKIT_DB_OWNER``
(``owner``) is the role that owns the tables and runs the migrations, after which the application role is
granted only what it needs (on ``audit_log``: SELECT and INSERT, so it can neither rewrite nor empty the log).
With one URL the application owns the tables, as before; the triggers guard the log either way.

Transient outcomes (``timeout``, ``crashed``, ``out-of-memory``) are not the final word for their bytes:
the same bytes ingested again are read again, and :meth:`Store.retry` updates that submission's row in place
(the sha256 stays unique, its id and everything referring to it stay valid) with an audit event
``retried`` that keeps the previous outcome and code; the chained log is where the attempts are kept.

Every event that sets a submission's row records the row's digest as stored (``audit.row_digest``):
``ingested`` or ``rejected`` when it arrives, ``retried`` when a new attempt rewrites it, and ``relinked`` when
a retried version slots in before a later version, whose ``supersedes`` then changes. No other statement of
formkit's changes a submission row, so ``verify`` can compare every row with its latest such event.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from formkit.errors import FormkitError
from formkit.outcomes import TRANSIENT
from formkit.store import later, schema
from formkit.store.audit import GENESIS, HEAD_COLUMN, append, audit_problems, row_digest, who_digest
from formkit.store.grades import GradeStore
from formkit.store.migrations import CHAIN_LOCK, MIGRATIONS, grant_app, migrate, pending
from formkit.store.objects import ObjectStore
from formkit.store.records import READABLE, IssuedForm, Submission, issued_form, submission
from formkit.store.safe import clean, dumps, fit

DEFAULT_DB = "sqlite:///formkit.db"


class StoreError(FormkitError):
    """The store cannot be used."""


def default_url() -> str:
    return os.environ.get("FORMKIT_DB") or DEFAULT_DB


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi, _record):  # pragma: no cover - exercised through every SQLite test
        dbapi.isolation_level = None  # let BEGIN below be the only one
        cur = dbapi.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA recursive_triggers=ON")  # a REPLACE's implicit delete fires DELETE triggers too
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Stored:
    id: int
    sha256: str
    outcome: str
    duplicate: bool
    supersedes: int | None = None
    retried: str | None = None  # the transient outcome this attempt replaced


class Store(GradeStore):
    def __init__(self, url: str | None = None, originals: str | Path | None = None, *, create: bool = True,
                 owner: str | None = None):
        """Open the store at ``url`` (default ``FORMKIT_DB``, else ``formkit.db``), migrating it as
        ``owner`` (default ``FORMKIT_DB_OWNER``, else ``url`` itself). With ``create=False`` a store that
        does not exist yet is an error (``store.not-found``) rather than created empty. Any problem opening
        it is a :class:`StoreError` (``store.bad-url``, ``store.not-found``, ``store.unavailable``,
        ``store.needs-owner``)."""
        self.url = url or default_url()
        owner = owner if owner is not None else os.environ.get("FORMKIT_DB_OWNER") or None
        parsed = _parse(self.url)
        self.shown = parsed.render_as_string(hide_password=True)
        database = _sqlite_file(parsed)
        if database is not None:
            if not database.is_file() and not create:
                raise StoreError("store.not-found", f"数据库文件“{database}”不存在；请检查 --db 或 FORMKIT_DB 的路径")
            try:
                database.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError("store.unavailable", f"无法创建数据库所在的文件夹（{database.parent}）：{exc.strerror}") \
                    from exc
        self.engine = _engine(parsed)
        self.migrated: list[int] = []  # the migration versions applied on opening (all of them: just created)
        self._issued: dict[tuple, dict] = {}  # (form, year, recipient id) → who it was issued to (_issued_to)
        self._issued_years: set[int | None] = set()
        self.objects = ObjectStore(originals or _originals_for(self.url))
        try:
            self._open(parsed, owner, create)
        except BaseException:
            self.engine.dispose()
            raise

    def _open(self, parsed: URL, owner: str | None, create: bool) -> None:
        owner_url = _parse(owner) if owner else parsed
        place = lambda u: (u.get_backend_name(), u.host, u.port, u.database)  # noqa: E731
        if place(owner_url) != place(parsed):
            raise StoreError("store.bad-url", f"所有者连接（FORMKIT_DB_OWNER）指向的数据库与 {self.shown} 不是同一个")
        engine = _engine(owner_url) if owner else self.engine
        try:
            todo = self._guard(pending, engine)
            if not create and len(todo) == len(MIGRATIONS):
                raise StoreError("store.not-found", f"数据库（{self.shown}）中没有 formkit 的数据；请检查 --db 或 FORMKIT_DB")
            if todo:
                self.migrated = self._guard(migrate, engine)
            if owner and engine.dialect.name == "postgresql" and owner_url.username != parsed.username:
                self._guard(grant_app, engine, parsed.username)
        finally:
            if owner:
                engine.dispose()

    def _guard(self, step, *args):
        try:
            return step(*args)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "42501":  # insufficient privilege: not the owner
                raise StoreError("store.needs-owner", f"数据库（{self.shown}）的结构需要建立或升级，当前角色无权修改；"
                                 "请用所有者角色运行一次（设置 FORMKIT_DB_OWNER 或 --db-owner）") from exc
            raise StoreError("store.unavailable", f"无法打开数据库（{self.shown}）：{_first_line(exc.orig)}") from exc
        except SQLAlchemyError as exc:
            raise StoreError("store.unavailable", f"无法打开数据库（{self.shown}）：{_first_line(exc)}") from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One writing transaction, serialised with every other writer (SQLite: BEGIN IMMEDIATE)."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
            yield conn

    # submissions -------------------------------------------------------------------------------
    def _find(self, sha256: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(_BY_SHA, {"sha256": sha256}).first()
        return dict(row._mapping) if row else None

    def find(self, sha256: str) -> Submission | None:
        """The submission of these bytes, if they were stored."""
        row = self._find(sha256)
        return submission(row) if row else None

    def add(self, data: bytes, row: dict[str, Any]) -> Stored:
        """Record the submission and its audit event, and keep the original, in one transaction (the
        original is written before the commit, so no row is without its original, and a row the database
        refuses leaves no original behind). The same bytes again return the existing submission; a readable
        form from a recipient who had one before supersedes it (both stay)."""
        sha = _sha(data)  # stored already: the unique sha256 refuses the row (below)
        now = datetime.now(timezone.utc)
        row, _clipped = fit(schema.submissions, {**row, "sha256": sha, "size": len(data), "received_at": now})
        try:
            with self._write() as conn:
                row.update(self._who(conn, row))
                previous = self._latest_readable(conn, row, below=None)
                row["supersedes"] = previous
                new_id = conn.execute(schema.submissions.insert().values(**row)).inserted_primary_key[0]
                event_name = "ingested" if row["outcome"] in READABLE else "rejected"
                self._audit(conn, event_name, new_id, row["sha256"], {
                    "file": row["file_name"], "outcome": row["outcome"], "code": row.get("code"),
                    **self._digests(conn, new_id)}, now)
                if previous:
                    self._audit(conn, "superseded", previous, None, {"by": new_id}, now)
                self._recheck(conn, new_id, now, row)
                self.objects.put(data)
        except IntegrityError:  # the same bytes stored before, or by a concurrent ingest a moment ago
            existing = self.find(row["sha256"])
            if existing is None:
                raise
            return self.note_duplicate(existing, data)
        return Stored(new_id, row["sha256"], row["outcome"], False, previous)

    def retry(self, submission_id: int, data: bytes, attempt: dict[str, Any]) -> Stored:
        """A new attempt at bytes whose stored outcome was transient: the row is updated in place with what
        this attempt read, audited as ``retried`` with the previous outcome and code. A readable result takes
        its place among the recipient's versions by its id (what it supersedes, and what supersedes it: that
        later version's row changes too, audited as ``relinked``). When another ingest retried it a moment
        ago, this is a duplicate of that."""
        now = datetime.now(timezone.utc)
        t = schema.submissions
        row, _clipped = fit(t, {k: v for k, v in attempt.items()
                                if k not in ("sha256", "size", "received_at", "supersedes")})
        with self._write() as conn:
            before = conn.execute(select(t).where(t.c.id == submission_id)).first()
            if before is not None and before.outcome in TRANSIENT:
                row.update(self._who(conn, row))
                previous = self._latest_readable(conn, row, below=submission_id)
                later = self._next_readable(conn, row, submission_id)
                conn.execute(t.update().where(t.c.id == submission_id).values(**row, supersedes=previous))
                self._audit(conn, "retried", submission_id, before.sha256, {
                    "file": row["file_name"], "outcome": row["outcome"], "code": row.get("code"),
                    "previous": {"outcome": before.outcome, "code": before.code},
                    **self._digests(conn, submission_id)}, now)
                if previous:
                    self._audit(conn, "superseded", previous, None, {"by": submission_id}, now)
                if later:
                    self._relink(conn, later, submission_id, now)
                self._recheck(conn, submission_id, now, row)
                self.objects.put(data)
                return Stored(submission_id, before.sha256, row["outcome"], False, previous, before.outcome)
        current = self.find(_sha(data))
        if current is None:
            raise StoreError("store.not-found", f"第 {submission_id} 份报送已不在数据库中")
        return self.note_duplicate(current, data)

    def _who(self, conn: Connection, row: dict) -> dict:
        """Who a readable row is for, as separate columns: what was issued to that recipient (formkit's own
        record of its unit, county and period); for a recipient formkit did not issue to, only the names the
        document gives."""
        if row.get("outcome") not in READABLE or not row.get("form"):
            return {}
        issued = self._issued_to(conn, row["form"], row.get("year"), row.get("recipient_id"))
        if issued is not None:  # what formkit issued to this recipient wins over what the document says
            return issued
        # not issued by formkit: the names it gives are shown, but it names no unit or period of formkit's
        # (a document's own claim never files it under another unit, nor pairs it with that unit's forms)
        values = (row.get("record") or {}).get("values") or {}
        found = {"unit_id": None, "unit": row.get("unit") or values.get("unit_name"), "period": None,
                 "county": row.get("county") or (values.get("county") if row["form"] == later.COUNTY_FORM else None)}
        return fit(schema.submissions, {k: v if isinstance(v, str) and v else None for k, v in found.items()})[0]

    def _issued_to(self, conn: Connection, form: str, year: int | None, recipient_id: str | None) -> dict | None:
        """Who formkit issued ``form`` of ``year`` to under ``recipient_id`` (unit id, unit, county, period):
        a year's issued forms are read once per store (a batch asks for each of its files; recording new
        ones through this store reads them again)."""
        if year not in self._issued_years:
            t = schema.issued
            self._issued.update({(r.form, r.year, r.recipient_id): _who_of(r) for r in conn.execute(
                select(t.c.form, t.c.year, t.c.recipient_id, t.c.unit_id, t.c.unit, t.c.county, t.c.period)
                .where(t.c.year == year))})
            self._issued_years.add(year)
        return self._issued.get((form, year, recipient_id))

    @staticmethod
    def _recheck(conn: Connection, submission_id: int, at: datetime, row: dict) -> None:
        later.recheck(conn, schema.submissions, schema.later_findings, schema.audit, submission_id, at, row)

    def _relink(self, conn: Connection, later: int, earlier: int, at: datetime) -> None:
        """``later`` now supersedes ``earlier``: its row changes, so it gets an event with its new digest."""
        t = schema.submissions
        was = conn.execute(select(t.c.supersedes, t.c.sha256).where(t.c.id == later)).one()
        conn.execute(t.update().where(t.c.id == later).values(supersedes=earlier))
        self._audit(conn, "superseded", earlier, None, {"by": later}, at)
        self._audit(conn, "relinked", later, was.sha256, {"supersedes": earlier, "was": was.supersedes,
                                                          **self._digests(conn, later)}, at)

    @staticmethod
    def _digests(conn: Connection, submission_id: int) -> dict[str, str]:
        """The digests of a submission's row as the database now holds it (read back, not as sent): of its
        frozen columns (``digest``) and of who it is for (``who``)."""
        row = conn.execute(_BY_ID, {"id": submission_id}).one()._mapping
        return {"digest": row_digest(row), "who": who_digest(row)}

    @staticmethod
    def _latest_readable(conn: Connection, row: dict, below: int | None) -> int | None:
        """The recipient's latest readable submission (before ``below``): the one a new version supersedes."""
        if row["outcome"] not in READABLE or not row.get("recipient_id"):
            return None
        return conn.execute(_LATEST if below is None else _LATEST_BELOW, {
            "form": row["form"], "year": row["year"], "recipient_id": row["recipient_id"], "below": below}).scalar()

    @staticmethod
    def _next_readable(conn: Connection, row: dict, after: int) -> int | None:
        if row["outcome"] not in READABLE or not row.get("recipient_id"):
            return None
        t = schema.submissions
        return conn.execute(select(func.min(t.c.id)).where(
            t.c.form == row["form"], t.c.year == row["year"], t.c.recipient_id == row["recipient_id"],
            t.c.outcome.in_(READABLE), t.c.id > after)).scalar()

    def note_duplicate(self, existing: Submission, data: bytes | None = None) -> Stored:
        """The same bytes again: an audit event ``duplicate``; a missing original is put back."""
        with self._write() as conn:
            self._audit(conn, "duplicate", existing.id, existing.sha256, {}, datetime.now(timezone.utc))
            if data is not None:
                self.objects.put(data)
        return Stored(existing.id, existing.sha256, existing.outcome, True, existing.supersedes)

    @staticmethod
    def _audit(conn: Connection, event_name: str, submission_id: int | None, sha: str | None, detail: dict,
               at: datetime) -> None:
        """Append an event to the chain (inside a :meth:`_write` transaction, which serialises writers)."""
        append(conn, schema.audit, event_name, submission_id, sha, clean(detail).value, at)

    def audit_head(self) -> str:
        """The hash of the latest audit event (``GENESIS`` for an empty log): written into every manifest,
        so that a chain recomputed after a rewrite no longer matches what was published. Read it after
        recording what the manifest lists (``formkit.intake.issued.record_issued``), so the head covers it."""
        with self.engine.connect() as conn:
            return conn.execute(select(schema.audit.c.hash).order_by(schema.audit.c.id.desc()).limit(1)) \
                .scalar() or GENESIS

    def manifest_stamp(self) -> dict[str, str]:
        """The column an issue manifest carries on every row: the audit head when it was written."""
        return {HEAD_COLUMN: self.audit_head()}

    def _rows(self, year: int | None = None) -> list[dict]:
        query = select(schema.submissions).order_by(schema.submissions.c.id)
        if year is not None:
            query = query.where((schema.submissions.c.year == year) | schema.submissions.c.year.is_(None))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def submissions(self, year: int | None = None) -> list[Submission]:
        """Every submission (of ``year``, and those whose year is unknown), in the order they arrived."""
        return [submission(r) for r in self._rows(year)]

    def current(self, year: int) -> dict[tuple[str, str], Submission]:
        """(form, recipient id) → the latest readable submission: the one that counts, with the findings
        made later against the other current documents (``store.later``)."""
        out: dict[tuple[str, str], Submission] = {}
        for sub in self.submissions(year):
            if sub.readable and sub.recipient.id and sub.year == year:
                out[(sub.form, sub.recipient.id)] = sub
        by_id = {s.id: s for s in out.values()}
        t = schema.later_findings
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.submission_id.in_(list(by_id))).order_by(t.c.id)).mappings().all()
        later.attach(by_id, rows)
        return out

    def audit_events(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(schema.audit).order_by(schema.audit.c.id))]

    # issued forms -------------------------------------------------------------------------------
    def record_issued(self, rows: list[dict]) -> int:
        """Remember what was issued to whom (re-issuing replaces the earlier entry)."""
        now = datetime.now(timezone.utc)
        with self._write() as conn:
            for row in rows:
                row, _clipped = fit(schema.issued, row)
                conn.execute(schema.issued.delete().where(
                    schema.issued.c.form == row["form"], schema.issued.c.year == row["year"],
                    schema.issued.c.recipient_id == row["recipient_id"]))
                conn.execute(schema.issued.insert().values(**row, issued_at=now))
            self._audit(conn, "issued", None, None, {"documents": len(rows)}, now)
        self._issued.clear()
        self._issued_years.clear()
        return len(rows)

    def latest_year(self) -> int | None:
        with self.engine.connect() as conn:
            issued = conn.execute(select(func.max(schema.issued.c.year))).scalar()
            received = conn.execute(select(func.max(schema.submissions.c.year))).scalar()
        return max((y for y in (issued, received) if y), default=None)

    def issued(self, year: int) -> list[IssuedForm]:
        with self.engine.connect() as conn:
            return [issued_form(r._mapping) for r in conn.execute(
                select(schema.issued).where(schema.issued.c.year == year).order_by(schema.issued.c.id))]

    # verification -------------------------------------------------------------------------------
    def verify(self, manifests: Iterable[str | Path] = ()) -> dict[str, list]:
        """Re-hash every original (missing or corrupt files, and stored files no submission refers to), and
        check the audit log (``audit``): its hash chain; that every submission has its intake event and that
        its row, as stored now, has the digest its latest row event (``ingested``, ``rejected``, ``retried``,
        ``relinked``) recorded (``audit.record-differs``: any column edited directly, the record's values
        included); and that the head written into each of ``manifests`` is on the chain (a ``GENESIS`` head,
        written before any event, proves nothing and is reported: ``audit.empty-head``).

        Stores from before row digests: events written then carry no digest, so for those rows only what
        the event has is compared (the sha256 and the outcome); their other columns can be edited unnoticed
        until a later event (a retry) records a digest.

        What this cannot detect: anyone who may insert into ``audit_log`` (the application role included)
        can compute a correct hash, so a row edited together with a forged event appended at the end of the
        chain (a ``retried`` carrying the new digest, say) cannot be told from a real one. Only an external
        anchor helps: a head written into a manifest proves that the events up to it were not rewritten or
        removed since that manifest was published, nothing about events appended after it. Keep published
        manifests (or their heads) where the database's users cannot change them."""
        rows = self._rows()
        known = {r["sha256"] for r in rows}
        problems = {"missing": [], "corrupt": [], "orphaned": sorted(self.objects.all() - known), "audit": []}
        for r in rows:
            state = self.objects.check(r["sha256"])
            if state:
                problems[state].append({"id": r["id"], "sha256": r["sha256"], "file": r["file_name"]})
        events = self.audit_events()
        with self.engine.connect() as conn:
            later_rows = [dict(r._mapping) for r in conn.execute(select(schema.later_findings))]
        problems["audit"] = audit_problems(rows, events, manifests, later_rows)
        with self._write() as conn:
            self._audit(conn, "verified", None, None, {k: len(v) for k, v in problems.items()},
                        datetime.now(timezone.utc))
        return problems


# statements run for every stored file, built once (SQLAlchemy then reuses their compiled form)
_S = schema.submissions
_BY_SHA = select(_S).where(_S.c.sha256 == bindparam("sha256"))
_BY_ID = select(_S).where(_S.c.id == bindparam("id"))
_LATEST = select(func.max(_S.c.id)).where(_S.c.form == bindparam("form"), _S.c.year == bindparam("year"),
                                          _S.c.recipient_id == bindparam("recipient_id"), _S.c.outcome.in_(READABLE))
_LATEST_BELOW = _LATEST.where(_S.c.id < bindparam("below"))


def _who_of(issued) -> dict:
    return fit(schema.submissions, {"unit_id": issued.unit_id or None, "unit": issued.unit or None,
                                    "county": issued.county or None, "period": issued.period or None})[0]


def refused_by_database(exc: BaseException) -> bool:
    """Whether ``exc`` means the database refused what was sent (final: storing it again fails again), as
    opposed to the database being unavailable for a moment (an OperationalError: worth another attempt)."""
    return isinstance(exc, StoreError) or (isinstance(exc, SQLAlchemyError) and not isinstance(exc, OperationalError))


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreError("store.bad-url", f"数据库地址“{url}”无法识别；应为 SQLAlchemy URL，例如 sqlite:///formkit.db 或 "
                         "postgresql+psycopg://用户:密码@主机/库名") from exc


def _engine(url: URL) -> Engine:
    sqlite = url.get_backend_name() == "sqlite"
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True, json_serializer=dumps,
                               connect_args={"timeout": 60} if sqlite else {})
    except (ArgumentError, NoSuchModuleError, ImportError, TypeError, ValueError) as exc:
        raise StoreError("store.bad-url", f"不支持的数据库地址“{url.render_as_string(hide_password=True)}”："
                         f"{_first_line(exc)}（PostgreSQL 请用 postgresql+psycopg://）") from exc
    if sqlite:
        _sqlite_setup(engine)
    return engine


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") \
            or url.query.get("mode") == "memory":
        return None
    return Path(url.database)


def _first_line(exc: object) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _originals_for(url: str) -> Path:
    """Originals live beside a SQLite file (``formkit.db`` → ``formkit-originals/``), else in
    ``FORMKIT_ORIGINALS`` or ``./formkit-originals``."""
    if os.environ.get("FORMKIT_ORIGINALS"):
        return Path(os.environ["FORMKIT_ORIGINALS"])
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url[len("sqlite:///"):])
        return db.with_name(db.stem + "-originals")
    return Path("formkit-originals")
