"""One writing transaction of the store (:meth:`formkit.store.Store.writing`): the rows and audit events of any
number of files, committed together once the originals they refer to are durable.

A file stored through a :class:`Writing` is stored exactly as it would be alone (:meth:`Store.add`,
:meth:`Store.retry`, :meth:`Store.note_duplicate` are each one such transaction): the transaction holds the
store's writing lock from its first statement (SQLite ``BEGIN IMMEDIATE``, PostgreSQL an advisory lock), so
what it finds — the same bytes stored before, the recipient's earlier version, the other side of a pair for the
cross-document check (``store.later``) — is every committed row plus the rows written earlier in it, and the
audit chain grows one event after another, in the order the files are given. Intake gives it a group of files
at a time (:mod:`formkit.intake.group`): one commit, and one fsync per folder of originals, for the group.

New rows wait to be inserted together (PostgreSQL: one prepared ``INSERT … SELECT … FROM unnest(…) RETURNING``
of them all; SQLite: one ``executemany``, read back in one query): at the latest when the transaction commits, and
earlier when a file needs what a waiting row would show it — the same bytes again, the same recipient's next
version, anything that reads or appends otherwise. The version each row supersedes is found for all of them by one
query; then, row by row in their order, their audit events are made and each is checked across documents
against the rows that came before it (``later``, bounded by its id), so the outcome, the events and their order
are those of inserting each row alone.

Every event that sets a submission's row records the row's digest as read back (``audit.row_digest``):
``ingested`` or ``rejected`` when it arrives, ``retried`` when a new attempt rewrites it, and ``relinked`` when
a retried version slots in before a later version, whose ``supersedes`` then changes. No other statement of
formkit's changes a submission row, so ``verify`` can compare every row with its latest such event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Connection, String, Table, Text, bindparam, cast, func, literal_column, select, tuple_
from sqlalchemy.exc import DBAPIError

from formkit.errors import FormkitError
from formkit.outcomes import TRANSIENT
from formkit.store import later, schema
from formkit.store.audit import append, chained, row_digest, who_digest
from formkit.store.records import READABLE, SCAN, Submission, submission
from formkit.store.safe import Serialized, clean, dumps, fit

if TYPE_CHECKING:  # the store opens transactions of this kind; this module never opens a store
    from formkit.store.store import Store


class StoreError(FormkitError):
    """The store cannot be used."""


@dataclass
class Stored:
    id: int | None  # None while its row waits to be inserted (at the latest when its transaction commits)
    sha256: str
    outcome: str
    duplicate: bool
    supersedes: int | None = None
    retried: str | None = None  # the transient outcome this attempt replaced


class Writing:
    """The submission writes of one transaction (``conn``) of ``store``."""

    def __init__(self, store: Store, conn: Connection):
        self.store, self.conn = store, conn
        self.kept: set[str] = set()  # the originals this transaction's rows refer to
        self._rows: dict[str, Any] = {}  # sha256 → its row as this transaction last saw it (None: not stored)
        self._events: list[dict] = []  # audit events made and not inserted yet, in order
        self._head: str | None = None  # the audit chain's head, once this transaction made an event
        self._waiting: dict[str, _Waiting] = {}  # sha256 → a new row to insert, in the order they came
        self._versions: set[tuple] = set()  # the recipients (form, year, recipient id) of the readable ones

    def settle(self) -> None:
        """Insert the rows and events made, and make the originals of this transaction durable (called right
        before it commits)."""
        self._insert_waiting()
        self._flush()
        self.store.objects.settle(self.kept)

    def _flush(self) -> None:
        """Insert the events made so far (at once: one statement for many), before anything else appends."""
        if self._events:
            if self.conn.dialect.driver == "psycopg":
                self._unnested(schema.audit, self._events)
            else:
                self.conn.execute(schema.audit.insert(), self._events)
            self._events = []

    def _keep(self, data: bytes, sha: str) -> None:
        self.store.objects.stage(data, sha)
        self.kept.add(sha)

    def find(self, sha256: str) -> Submission | None:
        """The submission of these bytes, committed or written earlier in this transaction."""
        if sha256 in self._waiting:
            self._insert_waiting()
        if sha256 not in self._rows:
            self._rows[sha256] = self.conn.execute(BY_SHA, {"sha256": sha256}).mappings().first()
        row = self._rows[sha256]
        return submission(row) if row else None

    def add(self, data: bytes, row: dict[str, Any], sha: str | None = None, fresh: bool = False) -> Stored:
        """Record the submission and its audit event, and keep the original (durable when the transaction
        commits; a row the database refuses keeps none; ``sha``: the sha256 of ``data``, when the caller has it).
        The same bytes again return the existing submission; a readable form from a recipient who had one
        before supersedes it (both stay). ``fresh``: the caller found no submission of these bytes a moment
        ago, so only this transaction's own rows are looked at (a concurrent writer that stored them since
        makes the insert fail on the unique sha256). The row waits to be inserted with the others of the
        transaction (the module's docstring): the returned :class:`Stored` has its id once it is."""
        sha = sha or sha_of(data)
        existing = None if fresh and sha not in self._rows and sha not in self._waiting else self.find(sha)
        if existing is not None:
            return self.note_duplicate(existing, data)
        now = datetime.now(timezone.utc)
        row, _clipped = fit(schema.submissions, {**row, "sha256": sha, "size": len(data), "received_at": now})
        row.update(self._who(row))
        version = _version(row)
        if version in self._versions:  # it supersedes a waiting row: that one needs its id first
            self._insert_waiting()
        stored = Stored(None, sha, row["outcome"], False)
        self._waiting[sha] = _Waiting(row, now, stored, version)
        if version:
            self._versions.add(version)
        self._keep(data, sha)
        return stored

    def _insert_waiting(self) -> None:
        """Insert the rows waiting, in one statement; then, in their order, each row's events and its check
        across documents (against the rows before it), as when each was inserted alone."""
        if not self._waiting:
            return
        waiting, self._waiting, self._versions = list(self._waiting.values()), {}, set()
        latest = self._latest_versions([w.version for w in waiting if w.version])
        rows = self._insert([{**w.row, "supersedes": latest.get(w.version)} for w in waiting])
        for w, stored in zip(waiting, rows, strict=True):
            new_id, previous = stored["id"], stored["supersedes"]
            w.stored.id, w.stored.supersedes = new_id, previous
            event_name = "ingested" if w.row["outcome"] in READABLE else "rejected"
            self._audit(event_name, new_id, stored["sha256"], {"file": w.row["file_name"], "outcome": w.row["outcome"],
                                                               "code": w.row.get("code"), **self._digests(stored)}, w.at)
            if previous:
                self._audit("superseded", previous, None, {"by": new_id}, w.at)
            self._recheck(new_id, w.at, w.row, upto=new_id)

    def _latest_versions(self, versions: list[tuple]) -> dict[tuple, int]:
        """(form, year, recipient id) → the id of that recipient's latest readable submission, for each of
        ``versions`` that has one (one query for all)."""
        if not versions:
            return {}
        return {(r.form, r.year, r.recipient_id): r.latest
                for r in self.conn.execute(LATEST_VERSIONS, {"versions": versions})}

    def _insert(self, rows: list[dict[str, Any]]) -> list[Any]:
        """Insert ``rows`` in order, each row as stored, read back: on PostgreSQL by one statement of arrays
        (:meth:`_unnested`); elsewhere (SQLite returns inserted rows in no set order) one ``executemany``, the
        rows read back by their sha256 in one query."""
        params = [{name: row.get(name, default) for name, default in _INSERTED.items()} for row in rows]
        if self.conn.dialect.driver == "psycopg":
            returned = self._unnested(_S, params, tuple(_RETURNED))
        else:
            self.conn.execute(INSERT, params)
            returned = self.conn.execute(BY_SHAS, {"shas": [p["sha256"] for p in params]}).mappings()
        back = {r["sha256"]: r for r in returned}  # (in no set order: matched by their unique sha256)
        found = [back[p["sha256"]] for p in params]
        stored = []
        for row, back in zip(rows, found, strict=True):
            back = dict(back)
            text, sent = back.pop("record_text"), row.get("record")
            # the record as stored: the one sent when the database holds exactly its JSON, else parsed back
            back["record"] = sent if isinstance(sent, Serialized) and text == sent.text else \
                (None if text is None else json.loads(text))
            self._rows[back["sha256"]] = back
            stored.append(back)
        return stored

    def _unnested(self, table: Table, rows: list[dict[str, Any]], returned: tuple = ()) -> list[dict[str, Any]]:
        """``rows`` (each with every column of ``table`` but its id) inserted in their order through psycopg
        directly (in this transaction), by one statement whose text never changes (psycopg prepares it on
        the connection): each column's values as one array, ``unnest``-ed in the rows' order (``ORDER BY``
        their ordinal: their ids follow it, and the audit log's chain trigger meets each event after the one
        before it). Returns the ``returned`` columns of the rows inserted, in no set order. SQLAlchemy would
        send a statement with a placeholder per value, of a length that changes with the number of rows; one
        prepared ``INSERT`` per row in a pipeline costs the driver a query's round in Python for each row.
        The arrays are sent in binary: in text, psycopg escapes each quote of a record's JSON in Python."""
        names = [c.name for c in table.c if c.name != "id"]
        columns = {name: [row[name] for row in rows] for name in names}
        for name in names:
            if isinstance(table.c[name].type, JSON):
                columns[name] = [None if value is None else dumps(value) for value in columns[name]]
        dialect, sql = self.conn.dialect, _unnest_sql(table, dialect=self.conn.dialect, returned=returned)
        cursor = self.conn.connection.driver_connection.cursor()
        try:
            cursor.execute(sql, columns)  # (prepared by psycopg once it has run a few times)
            if not returned:
                return []
            names = [d.name for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy raises it (a refused row: an IntegrityError)
            raise DBAPIError.instance(sql, columns, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
        finally:
            cursor.close()

    def retry(self, submission_id: int, data: bytes, attempt: dict[str, Any]) -> Stored:
        """A new attempt at bytes whose stored outcome was transient: the row is updated in place with what
        this attempt read, audited as ``retried`` with the previous outcome and code. A readable result takes
        its place among the recipient's versions by its id (what it supersedes, and what supersedes it: that
        later version's row changes too, audited as ``relinked``). When another ingest retried it a moment
        ago, this is a duplicate of that."""
        self._insert_waiting()  # it reads and changes rows, and its events follow theirs
        now = datetime.now(timezone.utc)
        t = schema.submissions
        row, _clipped = fit(t, {k: v for k, v in attempt.items()
                                if k not in ("sha256", "size", "received_at", "supersedes")})
        before = self.conn.execute(BY_ID, {"id": submission_id}).first()
        if before is None or before.outcome not in TRANSIENT:
            current = self.find(sha_of(data))
            if current is None:
                raise StoreError("store.not-found", f"第 {submission_id} 份报送已不在数据库中")
            return self.note_duplicate(current, data)
        row.update(self._who(row))
        previous = self._latest_readable(row, below=submission_id)
        following = self._next_readable(row, submission_id)
        self.conn.execute(t.update().where(t.c.id == submission_id).values(**row, supersedes=previous))
        self._audit("retried", submission_id, before.sha256, {
            "file": row["file_name"], "outcome": row["outcome"], "code": row.get("code"),
            "previous": {"outcome": before.outcome, "code": before.code}, **self._digests(self._row(submission_id))},
            now)
        if previous:
            self._audit("superseded", previous, None, {"by": submission_id}, now)
        if following:
            self._relink(following, submission_id, now)
        self._recheck(submission_id, now, row)  # against every current version, the later ones too
        self._keep(data, before.sha256)
        return Stored(submission_id, before.sha256, row["outcome"], False, previous, before.outcome)

    def note_duplicate(self, existing: Submission, data: bytes | None = None) -> Stored:
        """The same bytes again: an audit event ``duplicate``; a missing original is put back."""
        self._insert_waiting()  # its event follows theirs
        self._audit("duplicate", existing.id, existing.sha256, {}, datetime.now(timezone.utc))
        if data is not None and self.store.objects.stage(data, existing.sha256):
            self.kept.add(existing.sha256)
        return Stored(existing.id, existing.sha256, existing.outcome, True, existing.supersedes)

    # who, versions and the checks across documents ---------------------------------------------------
    def _who(self, row: dict) -> dict:
        """Who a readable row is for, as separate columns: what was issued to that recipient (formkit's own
        record of its unit, county and period); for a recipient formkit did not issue to, only the names the
        document gives."""
        if row.get("outcome") not in READABLE or not row.get("form"):
            return {}
        issued = self.store.issued_to.get(self.conn, row["form"], row.get("year"), row.get("recipient_id"))
        if issued is not None:  # what formkit issued to this recipient wins over what the document says
            return issued
        # not issued by formkit: the names it gives are shown, but it names no unit or period of formkit's
        # (a document's own claim never files it under another unit, nor pairs it with that unit's forms)
        values = (row.get("record") or {}).get("values") or {}
        found = {"unit_id": None, "unit": row.get("unit") or values.get("unit_name"), "period": None,
                 "county": row.get("county") or (values.get("county") if row["form"] == later.COUNTY_FORM else None)}
        return fit(schema.submissions, {k: v if isinstance(v, str) and v else None for k, v in found.items()})[0]

    def _recheck(self, submission_id: int, at: datetime, row: dict, upto: int | None = None) -> None:
        """Check the submission across documents (``later``); ``upto``: only against rows below this id."""
        if row.get("form") not in later.FORMS or not row.get("unit_id"):
            return  # nothing to check across documents (later.recheck would return at once)
        self._flush()  # it may append to the chain itself
        if later.recheck(self.conn, schema.submissions, schema.later_findings, schema.audit, submission_id, at, row,
                         upto=upto):
            self._head = None

    def _relink(self, following: int, earlier: int, at: datetime) -> None:
        """``following`` now supersedes ``earlier``: its row changes, so it gets an event with its new digest."""
        t = schema.submissions
        was = self.conn.execute(select(t.c.supersedes, t.c.sha256).where(t.c.id == following)).one()
        self.conn.execute(t.update().where(t.c.id == following).values(supersedes=earlier))
        self._audit("superseded", earlier, None, {"by": following}, at)
        self._audit("relinked", following, was.sha256, {"supersedes": earlier, "was": was.supersedes,
                                                        **self._digests(self._row(following))}, at)

    def _row(self, submission_id: int) -> Any:
        """A submission's row as the database now holds it (read back after a change)."""
        row = self.conn.execute(BY_ID, {"id": submission_id}).mappings().one()
        self._rows[row["sha256"]] = row
        return row

    @staticmethod
    def _digests(row: Any) -> dict[str, str]:
        """The digests of a submission's row as the database holds it (read back, not as sent): of its frozen
        columns (``digest``) and of who it is for (``who``). A record known to be stored as sent brings the
        JSON its digest is taken of."""
        record = row["record"]
        return {"digest": row_digest(row, record.canonical if isinstance(record, Serialized) else None),
                "who": who_digest(row)}

    def _latest_readable(self, row: dict, below: int) -> int | None:
        """The recipient's latest readable submission before ``below``: the one a retried version supersedes."""
        if _version(row) is None:
            return None
        return self.conn.execute(LATEST_BELOW, {"form": row["form"], "year": row["year"],
                                                "recipient_id": row["recipient_id"], "below": below}).scalar()

    def _next_readable(self, row: dict, after: int) -> int | None:
        if _version(row) is None:
            return None
        return self.conn.execute(NEXT, {"form": row["form"], "year": row["year"],
                                        "recipient_id": row["recipient_id"], "after": after}).scalar()

    def _audit(self, event_name: str, submission_id: int | None, sha: str | None, detail: dict,
               at: datetime) -> None:
        """Make the next event of the chain (inserted with the others at :meth:`_flush`)."""
        cleaned = clean(detail)
        stored = Serialized(cleaned.value, cleaned.text) if isinstance(cleaned.value, dict) else cleaned.value
        event = chained(self.conn, schema.audit, event_name, submission_id, sha, stored, at, self._head)
        self._events.append(event)
        self._head = event["hash"]


@dataclass
class _Waiting:
    """A new row waiting to be inserted (:meth:`Writing.add`)."""
    row: dict[str, Any]
    at: datetime
    stored: Stored  # given its id once inserted
    version: tuple | None  # the recipient of a readable row: (form, year, recipient id)


def _version(row: dict[str, Any]) -> tuple | None:
    """Whose version a row is, when it is one that supersedes that recipient's latest readable version (a
    scan never is: it is the sealed copy beside the recipient's versions, ``store.sealed``)."""
    if row["outcome"] in READABLE and row.get("recipient_id") and row.get("format") != SCAN:
        return row.get("form"), row.get("year"), row["recipient_id"]
    return None


def record_event(conn: Connection, event_name: str, submission_id: int | None, sha: str | None, detail: dict,
                 at: datetime) -> None:
    """Append an event to the audit chain (inside a writing transaction, which serialises writers)."""
    append(conn, schema.audit, event_name, submission_id, sha, clean(detail).value, at)


class IssuedTo:
    """Who formkit issued a form to, by (form, year, recipient id): a year's issued forms are read once per
    store (a batch asks for each of its files) and read again after the store records new ones."""

    def __init__(self) -> None:
        self._who: dict[tuple, dict] = {}
        self._years: set[int | None] = set()

    def get(self, conn: Connection, form: str, year: int | None, recipient_id: str | None) -> dict | None:
        if year not in self._years:
            t = schema.issued
            self._who.update({(r.form, r.year, r.recipient_id): _who_of(r) for r in conn.execute(
                select(t.c.form, t.c.year, t.c.recipient_id, t.c.unit_id, t.c.unit, t.c.county, t.c.period)
                .where(t.c.year == year))})
            self._years.add(year)
        return self._who.get((form, year, recipient_id))

    def clear(self) -> None:
        self._who.clear()
        self._years.clear()


def _who_of(issued) -> dict:
    return fit(schema.submissions, {"unit_id": issued.unit_id or None, "unit": issued.unit or None,
                                    "county": issued.county or None, "period": issued.period or None})[0]


def sha_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# statements run for every stored file, built once (SQLAlchemy then reuses their compiled form; the row's
# values are parameters, not part of the statement)
_S = schema.submissions
INSERT = _S.insert()
# every column an insert sets (each row gives them all, so many rows go in one statement), with its default
_INSERTED = {c.name: c.default.arg if c.default is not None else None for c in _S.c if c.name != "id"}
BY_SHA = select(_S).where(_S.c.sha256 == bindparam("sha256"))
BY_ID = select(_S).where(_S.c.id == bindparam("id"))
_NOT_SCAN = func.coalesce(_S.c.format, "") != SCAN  # a sealed copy is no version of the recipient's form
_RECIPIENT = (_S.c.form == bindparam("form"), _S.c.year == bindparam("year"),
              _S.c.recipient_id == bindparam("recipient_id"), _S.c.outcome.in_(READABLE), _NOT_SCAN)
LATEST_BELOW = select(func.max(_S.c.id)).where(*_RECIPIENT, _S.c.id < bindparam("below"))
_READABLE = _S.c.outcome.in_([literal_column(f"'{outcome}'") for outcome in READABLE])  # in the SQL, not a parameter
_VERSION = (_S.c.form, _S.c.year, _S.c.recipient_id)
LATEST_VERSIONS = select(*_VERSION, func.max(_S.c.id).label("latest")).where(
    tuple_(*_VERSION).in_(bindparam("versions", expanding=True)), _READABLE, _NOT_SCAN).group_by(*_VERSION)
# what an insert returns: every column, the record as its text (compared with what was sent, not parsed back),
# row by row in the order the rows were given
_RETURNED = [*(c for c in _S.c if c.name != "record"), cast(_S.c.record, Text).label("record_text")]
BY_SHAS = select(*_RETURNED).where(_S.c.sha256.in_(bindparam("shas", expanding=True)))
NEXT = select(func.min(_S.c.id)).where(*_RECIPIENT, _S.c.id > bindparam("after"))


def _array_of(column_type: Any, dialect: Any) -> str:
    """The array type a column's values are sent as: text without a length (a cast to ``varchar(n)`` would
    clip a longer value, where the insert into the column refuses it), any other type as it is."""
    return "TEXT[]" if isinstance(column_type, String) else f"{column_type.compile(dialect=dialect)}[]"


@lru_cache(maxsize=16)
def _unnest_sql(table: Table, dialect: Any, returned: tuple = ()) -> str:
    """``INSERT … SELECT … FROM unnest(…) … [RETURNING]`` of any number of rows of ``table``, one array per
    column but the id (named parameters, as the driver takes them), built once per table and dialect."""
    names = [c.name for c in table.c if c.name != "id"]
    arrays = ", ".join(f"%({name})b::{_array_of(table.c[name].type, dialect)}" for name in names)
    listed = ", ".join(names)
    sql = (f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM unnest({arrays}) WITH ORDINALITY "
           f"AS given ({listed}, ordinal) ORDER BY ordinal")
    if returned:
        sql += " RETURNING " + ", ".join(f"{c.compile(dialect=dialect)} AS {c.name}" for c in returned)
    return sql
