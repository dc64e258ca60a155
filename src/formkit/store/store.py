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

Submissions are written through :meth:`Store.writing` (``store.writing``): one transaction for one file
(:meth:`Store.add`, :meth:`Store.retry`, :meth:`Store.note_duplicate`) or for a group of them (intake), its
originals durable before it commits. Transient outcomes (``timeout``, ``crashed``, ``out-of-memory``) are not
the final word for their bytes: the same bytes ingested again are read again, and a retry updates that
submission's row in place (the sha256 stays unique, its id and everything referring to it stay valid) with an
audit event ``retried`` that keeps the previous outcome and code; the chained log is where the attempts are kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from formkit.store import later, schema, sealed
from formkit.store.accounts import DeskStore
from formkit.store.acts import ActStore
from formkit.store.attachments import AttachmentStore
from formkit.store.audit import GENESIS, HEAD_COLUMN, attachment_problems, audit_problems
from formkit.store.grades import GradeStore
from formkit.store.migrations import CHAIN_LOCK, MIGRATIONS, grant_app, migrate, pending
from formkit.store.objects import ObjectStore
from formkit.store.records import IssuedForm, Submission, issued_form, submission
from formkit.store.safe import dumps, fit
from formkit.store.writing import BY_SHA, IssuedTo, Stored, StoreError, Writing, record_event, sha_of

__all__ = ["DEFAULT_DB", "Store", "StoreError", "Stored", "default_url", "refused_by_database"]

DEFAULT_DB = "sqlite:///formkit.db"
READ_ONLY = "formkit_read_only"  # the execution option of Store.reading's connections


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
        # a writer takes the write lock at once (writers queue instead of failing to upgrade); a reading
        # connection (Store.reading) takes none: it reads a snapshot, never waiting for a writer
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


class Store(GradeStore, ActStore, DeskStore, AttachmentStore):
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
        self._reader = self.engine.execution_options(**{READ_ONLY: True})
        self.migrated: list[int] = []  # the migration versions applied on opening (all of them: just created)
        self.issued_to = IssuedTo()  # who each form was issued to, read once per year
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

    def reading(self) -> Connection:
        """A connection for reading (on SQLite without the write lock, so a read never waits for a writer,
        such as an ingest's open group)."""
        return self._reader.connect()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One writing transaction, serialised with every other writer (SQLite: BEGIN IMMEDIATE)."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Writing]:
        """One writing transaction for the rows of any number of files (:class:`Writing`), serialised with
        every other writer; the originals its rows refer to are made durable just before it commits."""
        with self.objects.in_use(), self._write() as conn:
            writing = Writing(self, conn)
            try:
                yield writing
                writing.settle()
            except BaseException:  # rolled back: no temporary original of its left behind
                self.objects.discard(writing.kept)
                raise

    # submissions -------------------------------------------------------------------------------
    def find(self, sha256: str) -> Submission | None:
        """The submission of these bytes, if they were stored."""
        with self.reading() as conn:
            row = conn.execute(BY_SHA, {"sha256": sha256}).first()
        return submission(row._mapping) if row else None

    def add(self, data: bytes, row: dict[str, Any], sha: str | None = None, fresh: bool = False) -> Stored:
        """:meth:`Writing.add` in a transaction of its own (the same bytes stored by a concurrent writer a
        moment ago, which the unique sha256 refuses, are a duplicate of that)."""
        try:
            with self.writing() as writing:
                return writing.add(data, row, sha, fresh)
        except IntegrityError:
            existing = self.find(sha_of(data))
            if existing is None:
                raise
            return self.note_duplicate(existing, data)

    def retry(self, submission_id: int, data: bytes, attempt: dict[str, Any]) -> Stored:
        """:meth:`Writing.retry` in a transaction of its own."""
        with self.writing() as writing:
            return writing.retry(submission_id, data, attempt)

    def note_duplicate(self, existing: Submission, data: bytes | None = None) -> Stored:
        """:meth:`Writing.note_duplicate` in a transaction of its own."""
        with self.writing() as writing:
            return writing.note_duplicate(existing, data)

    _audit = staticmethod(record_event)  # grades, issued forms and verify append their events through it

    def audit_head(self) -> str:
        """The hash of the latest audit event (``GENESIS`` for an empty log): written into every manifest,
        so that a chain recomputed after a rewrite no longer matches what was published. Read it after
        recording what the manifest lists (``formkit.intake.issued.record_issued``), so the head covers it."""
        with self.reading() as conn:
            return conn.execute(select(schema.audit.c.hash).order_by(schema.audit.c.id.desc()).limit(1)) \
                .scalar() or GENESIS

    def manifest_stamp(self) -> dict[str, str]:
        """The column an issue manifest carries on every row: the audit head when it was written."""
        return {HEAD_COLUMN: self.audit_head()}

    def _rows(self, year: int | None = None) -> list[dict]:
        query = select(schema.submissions).order_by(schema.submissions.c.id)
        if year is not None:
            query = query.where((schema.submissions.c.year == year) | schema.submissions.c.year.is_(None))
        with self.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def submissions(self, year: int | None = None) -> list[Submission]:
        """Every submission (of ``year``, and those whose year is unknown), in the order they arrived."""
        return [submission(r) for r in self._rows(year)]

    def current(self, year: int) -> dict[tuple[str, str], Submission]:
        """(form, recipient id) → the latest readable submission: the one that counts, with the findings
        made later against the other current documents (``store.later``)."""
        out: dict[tuple[str, str], Submission] = {}
        subs = self.submissions(year)
        names = sealed.issued_names(self, year) if any(s.scanned for s in subs) else {}
        for sub in subs:
            if sub.readable and sub.recipient.id and sub.year == year:
                key = (sub.form, sealed.recipient_id(sub, names))
                if not (sub.scanned and key in out and not out[key].scanned):  # a Word file's data wins
                    out[key] = sub
        by_id = {s.id: s for s in out.values()}
        t = schema.later_findings
        with self.reading() as conn:
            rows = conn.execute(select(t).where(t.c.submission_id.in_(list(by_id))).order_by(t.c.id)).mappings().all()
        later.attach(by_id, rows)
        sealed.attach(self, year, out, subs)
        return out

    def audit_events(self) -> list[dict]:
        with self.reading() as conn:
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
        self.issued_to.clear()
        return len(rows)

    def latest_year(self) -> int | None:
        with self.reading() as conn:
            issued = conn.execute(select(func.max(schema.issued.c.year))).scalar()
            received = conn.execute(select(func.max(schema.submissions.c.year))).scalar()
        return max((y for y in (issued, received) if y), default=None)

    def issued(self, year: int) -> list[IssuedForm]:
        with self.reading() as conn:
            return [issued_form(r._mapping) for r in conn.execute(
                select(schema.issued).where(schema.issued.c.year == year).order_by(schema.issued.c.id))]

    # verification -------------------------------------------------------------------------------
    def stored(self) -> set[str]:
        """The sha256 of every original a row refers to: every submission's, every attachment's."""
        with self.reading() as conn:
            return set(conn.execute(select(schema.submissions.c.sha256)).scalars()) | \
                set(conn.execute(select(schema.attachments.c.sha256)).scalars())

    def unrecorded(self) -> list[str]:
        """The sha256 of every original no submission refers to: kept ahead of a row that never committed (an
        ingest killed in between), until the next ingest or ``formkit verify --reconcile`` records it
        (``formkit.intake.ingest.adopt``); while another ingest runs, also originals whose rows are about to
        commit."""
        return sorted(self.objects.all() - self.stored())

    def verify(self, manifests: Iterable[str | Path] = ()) -> dict[str, list]:
        """Re-hash every original (missing or corrupt files, and originals without a row: ``orphaned``,
        :meth:`unrecorded`), and
        check the audit log (``audit``): its hash chain; that every submission has its intake event and that
        its row, as stored now, has the digest its latest row event (``ingested``, ``rejected``, ``retried``,
        ``relinked``) recorded (``audit.record-differs``: any column edited directly, the record's values
        included); that every attachment has the digest its ``attached`` event recorded
        (``audit.attachment-*``; its original is re-hashed like a submission's); and that the head written into
        each of ``manifests`` is on the chain (a ``GENESIS`` head, written before any event, proves nothing and
        is reported: ``audit.empty-head``).

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
        problems = {"missing": [], "corrupt": [], "orphaned": self.unrecorded(), "audit": []}
        for r in rows:
            state = self.objects.check(r["sha256"])
            if state:
                problems[state].append({"id": r["id"], "sha256": r["sha256"], "file": r["file_name"]})
        attached = self.attachment_rows()
        for r in attached:
            state = self.objects.check(r["sha256"])
            if state:
                problems[state].append({"id": None, "attachment": r["id"], "sha256": r["sha256"], "file": r["file_name"]})
        events = self.audit_events()
        with self.reading() as conn:
            later_rows = [dict(r._mapping) for r in conn.execute(select(schema.later_findings))]
        problems["audit"] = audit_problems(rows, events, manifests, later_rows) + attachment_problems(attached, events)
        with self._write() as conn:
            self._audit(conn, "verified", None, None, {k: len(v) for k, v in problems.items()},
                        datetime.now(timezone.utc))
        return problems


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


def _originals_for(url: str) -> Path:
    """Originals live beside a SQLite file (``formkit.db`` → ``formkit-originals/``), else in
    ``FORMKIT_ORIGINALS`` or ``./formkit-originals``."""
    if os.environ.get("FORMKIT_ORIGINALS"):
        return Path(os.environ["FORMKIT_ORIGINALS"])
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url[len("sqlite:///"):])
        return db.with_name(db.stem + "-originals")
    return Path("formkit-originals")
