"""Migration 5: who a document is for as separate columns, and findings made across documents.

Stores made before it kept the period inside the recipient id (``U001-Q2``) and a county's name only in its
record; this migration adds ``unit_id``, ``unit``, ``county`` and ``period`` to ``submissions`` (``unit_id``
and ``period`` to ``issued``) and fills them from what those stores hold, with the id rules formkit used when
it issued them (frozen here: they must not change when the way ids are made changes). It creates
``later_findings`` and checks the pairs already stored (``store.later``), so the dossier and the
correction letters of an upgraded store carry ``rule.funds-differ`` like those of a new one.

The new columns are not part of a row's audit digest (``audit.ROW_COLUMNS`` is frozen), so the rows'
digests, and ``formkit verify``, are unchanged by the upgrade; one ``migrated`` event records it."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
    text,
)

from formkit.store import later
from formkit.store.audit import append, who_digest
from formkit.store.records import READABLE

_frozen = MetaData()
Table("submissions", _frozen, Column("id", Integer, primary_key=True))  # what the foreign keys refer to (exists)
_v5_later = Table(
    "later_findings", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("against_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("finding", JSON, nullable=False),
    Column("found_at", DateTime(timezone=True), nullable=False),
)
Index("ix_later_findings_submission", _v5_later.c.submission_id)

COLUMNS = {"submissions": ("unit_id VARCHAR(120)", "unit TEXT", "county TEXT", "period VARCHAR(8)"),
           "issued": ("unit_id VARCHAR(120)", "period VARCHAR(8)")}
PERIOD_LETTER = {"quarterly-ledger": "Q", "half-year-report": "H"}  # as formkit <= 0.x made ids: U001-Q2
V5_RULES = ("rule.funds-differ",)  # the cross-document rules of v5's day: the pairs stored then are checked by them


def legacy_recipient(form: str | None, recipient_id: str | None) -> tuple[str | None, str | None]:
    """(unit id, period) of an id made by formkit before v5: ``U001`` (self-assessment), ``U001-130731``
    (county feedback), ``U001-Q2`` / ``U001-H1`` (periodic forms); none for voting sheets and forms
    identified by their content (``name:…``)."""
    if not form or not recipient_id or recipient_id.startswith("name:"):
        return None, None
    head, sep, tail = recipient_id.rpartition("-")
    letter = PERIOD_LETTER.get(form)
    if letter:
        return (head, tail) if sep and tail[:1] == letter and tail[1:].isdigit() else (None, None)
    if form == "county-feedback":
        return (head or None), None
    if form == "self-assessment":
        return recipient_id, None
    return None, None


def _tables(conn: Connection) -> dict[str, Table]:
    meta = MetaData()
    return {name: Table(name, meta, autoload_with=conn) for name in ("submissions", "issued", "audit_log",
                                                                     "later_findings")}


def upgrade(conn: Connection) -> None:
    for table, columns in COLUMNS.items():
        for column in columns:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column}"))
    _frozen.create_all(conn, tables=[_v5_later])
    conn.execute(text("CREATE INDEX ix_submissions_unit ON submissions (form, year, unit_id)"))
    t = _tables(conn)
    issued, subs = t["issued"], t["submissions"]
    who: dict[tuple, tuple] = {}
    for row in conn.execute(select(issued)).mappings().all():
        unit_id, period = legacy_recipient(row["form"], row["recipient_id"])
        conn.execute(issued.update().where(issued.c.id == row["id"]).values(unit_id=unit_id, period=period))
        who[(row["form"], row["year"], row["recipient_id"])] = (row["unit"], row["county"])
    filled: dict[str, str] = {}  # submission id → digest of who it is for, as filled here
    for row in conn.execute(select(subs.c.id, subs.c.form, subs.c.year, subs.c.recipient_id, subs.c.record)
                            ).mappings().all():
        key = (row["form"], row["year"], row["recipient_id"])
        # unit and period only for what formkit issued: a document's own id is not trusted to name a unit
        unit_id, period = legacy_recipient(row["form"], row["recipient_id"]) if key in who else (None, None)
        values = (row["record"] or {}).get("values") or {}
        unit, county = who.get(key, (None, None))
        unit = unit or values.get("unit_name")
        county = county or (values.get("county") if row["form"] == "county-feedback" else None)
        new = {"unit_id": unit_id, "unit": unit if isinstance(unit, str) else None,
               "county": county if isinstance(county, str) else None, "period": period}
        if any(new.values()):
            conn.execute(subs.update().where(subs.c.id == row["id"]).values(**new))
            filled[str(row["id"])] = who_digest(new)
    now = datetime.now(timezone.utc)
    latest = select(func.max(subs.c.id)).where(subs.c.form == later.UNIT_FORM, subs.c.outcome.in_(READABLE)) \
        .group_by(subs.c.year, subs.c.recipient_id)
    checked = sum(later.recheck(conn, subs, t["later_findings"], t["audit_log"], unit_id, now, codes=V5_RULES)
                  for unit_id in conn.execute(latest).scalars().all())
    if filled or checked:  # what was filled in, so that verify can tell a later edit
        append(conn, t["audit_log"], "migrated", None, None, {"version": 5, "recipients": len(filled),
                                                              "later_findings": checked, "who": filled}, now)
