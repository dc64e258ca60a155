"""The submission store: every file that arrived, its original kept once by sha256, what was read from it,
which version of a recipient's form is current, what was issued, and an append-only audit log.

Any SQLAlchemy URL works; SQLite (a file in the working folder) is the default, PostgreSQL is tested.
Writers are serialised per transaction (SQLite: ``BEGIN IMMEDIATE``), and the sha256 is unique, so two
ingests running at once, or one killed and run again, store every file exactly once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from formkit.errors import FormkitError
from formkit.store import schema
from formkit.store.migrations import migrate
from formkit.store.objects import ObjectStore

DEFAULT_DB = "sqlite:///formkit.db"
READABLE = ("accepted", "accepted-with-warnings")


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


class Store:
    def __init__(self, url: str | None = None, originals: str | Path | None = None):
        self.url = url or default_url()
        if self.url.startswith("sqlite:///") and self.url != "sqlite:///:memory:":
            Path(self.url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.url, future=True, pool_pre_ping=True,
                                    connect_args={"timeout": 60} if self.url.startswith("sqlite") else {})
        if self.engine.dialect.name == "sqlite":
            _sqlite_setup(self.engine)
        self.objects = ObjectStore(originals or _originals_for(self.url))
        try:
            migrate(self.engine)
        except OperationalError as exc:
            raise StoreError("store.unavailable", f"无法打开数据库（{self.url}）：{exc.orig}") from exc

    def close(self) -> None:
        self.engine.dispose()

    # submissions -------------------------------------------------------------------------------
    def find(self, sha256: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.submissions).where(schema.submissions.c.sha256 == sha256)).first()
        return dict(row._mapping) if row else None

    def add(self, data: bytes, submission: dict[str, Any]) -> Stored:
        """Keep the original, then record the submission and its audit event in one transaction. The same
        bytes again return the existing submission; a readable form from a recipient who had one before
        supersedes it (both stay)."""
        sha = self.objects.put(data)
        existing = self.find(sha)
        if existing:
            return self._duplicate(existing)
        now = datetime.now(timezone.utc)
        row = {**submission, "sha256": sha, "size": len(data), "received_at": now}
        try:
            with self.engine.begin() as conn:
                previous = None
                if row["outcome"] in READABLE and row.get("recipient_id"):
                    previous = conn.execute(
                        select(func.max(schema.submissions.c.id)).where(
                            schema.submissions.c.form == row["form"], schema.submissions.c.year == row["year"],
                            schema.submissions.c.recipient_id == row["recipient_id"],
                            schema.submissions.c.outcome.in_(READABLE))).scalar()
                row["supersedes"] = previous
                new_id = conn.execute(schema.submissions.insert().values(**row)).inserted_primary_key[0]
                event_name = "ingested" if row["outcome"] in READABLE else "rejected"
                self._audit(conn, event_name, new_id, sha, {"file": row["file_name"], "outcome": row["outcome"],
                                                            "code": row.get("code")}, now)
                if previous:
                    self._audit(conn, "superseded", previous, None, {"by": new_id}, now)
        except IntegrityError:  # the same bytes stored by a concurrent ingest a moment ago
            existing = self.find(sha)
            if existing is None:
                raise
            return self._duplicate(existing)
        return Stored(new_id, sha, row["outcome"], False, previous)

    def _duplicate(self, existing: dict) -> Stored:
        with self.engine.begin() as conn:
            self._audit(conn, "duplicate", existing["id"], existing["sha256"], {}, datetime.now(timezone.utc))
        return Stored(existing["id"], existing["sha256"], existing["outcome"], True, existing["supersedes"])

    @staticmethod
    def _audit(conn, event_name: str, submission_id: int | None, sha: str | None, detail: dict,
               at: datetime) -> None:
        conn.execute(schema.audit.insert().values(at=at, event=event_name, submission_id=submission_id,
                                                  sha256=sha, detail=detail))

    def submissions(self, year: int | None = None) -> list[dict]:
        query = select(schema.submissions).order_by(schema.submissions.c.id)
        if year is not None:
            query = query.where((schema.submissions.c.year == year) | schema.submissions.c.year.is_(None))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def current(self, year: int) -> dict[tuple[str, str], dict]:
        """(form, recipient id) → the latest readable submission: the one that counts."""
        out: dict[tuple[str, str], dict] = {}
        for row in self.submissions(year):
            if row["outcome"] in READABLE and row["recipient_id"] and row["year"] == year:
                out[(row["form"], row["recipient_id"])] = row
        return out

    def audit_events(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(schema.audit).order_by(schema.audit.c.id))]

    # issued forms -------------------------------------------------------------------------------
    def record_issued(self, rows: list[dict]) -> int:
        """Remember what was issued to whom (re-issuing replaces the earlier entry)."""
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(schema.issued.delete().where(
                    schema.issued.c.form == row["form"], schema.issued.c.year == row["year"],
                    schema.issued.c.recipient_id == row["recipient_id"]))
                conn.execute(schema.issued.insert().values(**row, issued_at=now))
            self._audit(conn, "issued", None, None, {"documents": len(rows)}, now)
        return len(rows)

    def latest_year(self) -> int | None:
        with self.engine.connect() as conn:
            issued = conn.execute(select(func.max(schema.issued.c.year))).scalar()
            received = conn.execute(select(func.max(schema.submissions.c.year))).scalar()
        return max((y for y in (issued, received) if y), default=None)

    def issued(self, year: int) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(schema.issued).where(schema.issued.c.year == year).order_by(schema.issued.c.id))]

    # review grades -------------------------------------------------------------------------------
    def save_grades(self, year: int, rows: list[dict], inputs: dict | None = None) -> None:
        """Store the proposed grades of ``year``; a grade the secretariat overrode stays in force (its
        proposal is updated beside it). One audit event records the rating and what it was computed from."""
        now = datetime.now(timezone.utc)
        t = schema.grades
        with self.engine.begin() as conn:
            old = {r.recipient_id: r for r in conn.execute(select(t).where(t.c.year == year))}
            for row in rows:
                before = old.get(row["recipient_id"])
                kept = before is not None and before.override_reason is not None
                values = {**row, "year": year, "updated_at": now,
                          "grade": before.grade if kept else row["proposed"],
                          "override_reason": before.override_reason if kept else None}
                if before is None:
                    conn.execute(t.insert().values(**values))
                else:
                    conn.execute(t.update().where(t.c.id == before.id).values(**values))
            self._audit(conn, "rated", None, None, {"year": year, "units": len(rows), **(inputs or {}),
                                                    "proposed": {r["recipient_id"]: r["proposed"] for r in rows}}, now)

    def override_grade(self, year: int, recipient_id: str, grade: str, reason: str) -> dict:
        """Set the grade in force, with the reason; the audit log keeps the proposal and both grades."""
        t = schema.grades
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            row = conn.execute(select(t).where(t.c.year == year, t.c.recipient_id == recipient_id)).first()
            if row is None:
                raise StoreError("review.not-rated", f"{year}年度没有单位“{recipient_id}”的评定结果，请先运行 review rate")
            conn.execute(t.update().where(t.c.id == row.id).values(grade=grade, override_reason=reason,
                                                                    updated_at=now))
            self._audit(conn, "grade-overridden", None, None,
                        {"year": year, "recipient_id": recipient_id, "unit": row.unit, "proposed": row.proposed,
                         "before": row.grade, "after": grade, "reason": reason}, now)
            return {**dict(row._mapping), "grade": grade, "override_reason": reason}

    def grades(self, year: int) -> list[dict]:
        t = schema.grades
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t).where(t.c.year == year).order_by(t.c.id))]

    # verification -------------------------------------------------------------------------------
    def verify(self) -> dict[str, list]:
        """Re-hash every original: missing or corrupt files, and stored files no submission refers to."""
        rows = self.submissions()
        known = {r["sha256"] for r in rows}
        problems = {"missing": [], "corrupt": [], "orphaned": sorted(self.objects.all() - known)}
        for r in rows:
            state = self.objects.check(r["sha256"])
            if state:
                problems[state].append({"id": r["id"], "sha256": r["sha256"], "file": r["file_name"]})
        with self.engine.begin() as conn:
            self._audit(conn, "verified", None, None, {k: len(v) for k, v in problems.items()},
                        datetime.now(timezone.utc))
        return problems


def _originals_for(url: str) -> Path:
    """Originals live beside a SQLite file (``formkit.db`` → ``formkit-originals/``), else in
    ``FORMKIT_ORIGINALS`` or ``./formkit-originals``."""
    if os.environ.get("FORMKIT_ORIGINALS"):
        return Path(os.environ["FORMKIT_ORIGINALS"])
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url[len("sqlite:///"):])
        return db.with_name(db.stem + "-originals")
    return Path("formkit-originals")
