"""The store's tables as they are now (SQLAlchemy Core), the same on SQLite and PostgreSQL. Queries use
these; the migrations that build them keep their own frozen DDL (``migrations.py``), and a test checks that
a migrated store has exactly these columns."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

migrations = Table(
    "formkit_migrations", metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("format", String(40)),
    Column("producer", Text),
    Column("outcome", String(40), nullable=False),  # accepted, accepted-with-warnings, rejected, timeout, ...
    Column("code", String(80)),
    Column("message", Text),
    Column("form", String(80)),
    Column("form_version", Integer),
    Column("year", Integer),
    Column("recipient_id", String(120)),
    Column("recipient_name", Text),
    Column("errors", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("record", JSON),  # what the reader returned: values, findings, raw, source
    Column("reader", String(80), nullable=False),
    Column("converted_by", String(80)),
    Column("supersedes", Integer, ForeignKey("submissions.id")),
    # who it is from, as separate items (v5): never parsed back out of the recipient id or name
    Column("unit_id", String(120)),
    Column("unit", Text),
    Column("county", Text),
    Column("period", String(8)),  # Q1..Q4, H1, H2 for periodic forms
    UniqueConstraint("sha256", name="uq_submissions_sha256"),
)
Index("ix_submissions_recipient", submissions.c.form, submissions.c.year, submissions.c.recipient_id)
Index("ix_submissions_unit", submissions.c.form, submissions.c.year, submissions.c.unit_id)  # v5: pairs

audit = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(40), nullable=False),
    Column("submission_id", Integer, ForeignKey("submissions.id")),
    Column("sha256", String(64)),
    Column("detail", JSON),
    Column("prev_hash", String(64)),  # the hash chain (audit.py): the event before, and this one
    Column("hash", String(64)),
)

issued = Table(
    "issued", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("form", String(80), nullable=False),
    Column("year", Integer, nullable=False),
    Column("recipient_id", String(120), nullable=False),
    Column("recipient_name", Text, nullable=False),
    Column("unit", Text),
    Column("county", Text),
    Column("lead_department", Text),
    Column("code", String(120)),
    Column("sha256", String(64)),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("unit_id", String(120)),  # v5
    Column("period", String(8)),
    UniqueConstraint("form", "year", "recipient_id", name="uq_issued_recipient"),
)

# Findings made when another document was stored (v5): rule.funds-differ between a county's feedback and its
# unit's self-assessment, one row for each side, valid while ``against`` is the other side's current version.
later_findings = Table(
    "later_findings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("against_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("finding", JSON, nullable=False),
    Column("found_at", DateTime(timezone=True), nullable=False),
)
Index("ix_later_findings_submission", later_findings.c.submission_id)

# 综合评议: the proposed grade of each unit (from `formkit review rate`) and the grade in force, which the
# secretariat may override with a reason; every change is also in the append-only audit log.
grades = Table(
    "review_grades", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("recipient_id", String(120), nullable=False),
    Column("unit", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("rank", Integer, nullable=False),  # in its category, after the tie-break
    Column("score", JSON),  # the combined score and its parts
    Column("proposed", String(40), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("grade", String(40), nullable=False),  # in force: the proposal or the override
    Column("override_reason", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("year", "recipient_id", name="uq_review_grade"),
)

# Acts of the review's parties (v6), append-only: the secretariat's resolution of a veto, a lead department's
# 核实 of a unit, a category's 分类评价 confirmed, delegates registered, the leading group's 审定 ... One row per
# act: ``kind`` says which, ``subject`` what it is about (a unit id, a county, a category, the year), ``value``
# what was decided, ``actor`` who did it; the latest act of a (year, kind, subject) is in force. Each act is
# also an audit event.
acts = Table(
    "review_acts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("value", JSON, nullable=False),
    Column("reason", Text),
    Column("actor", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_review_acts_kind", acts.c.year, acts.c.kind, acts.c.subject)

# Attachments (v7): what a unit sends beside its forms and nobody reads as a form — its written 自评总结 (kind
# ``self-report``) — kept like every original (by sha256, durable before its row commits, audited as
# ``attached``), filed under the unit formkit issued to that year; a new one supersedes the unit's previous one
# of that kind (both stay). Append-only.
attachments = Table(
    "attachments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("unit_id", String(120), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("format", String(40), nullable=False),  # docx, pdf
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("supersedes", Integer, ForeignKey("attachments.id")),
    Column("actor", Text),  # who attached it (a desk account; none from the command line)
    UniqueConstraint("year", "unit_id", "kind", "sha256", name="uq_attachments_file"),
)
Index("ix_attachments_unit", attachments.c.year, attachments.c.unit_id, attachments.c.kind)

# The web desk (v8, ``formkit serve``): staff accounts (password hashes only), their sessions (the cookie's
# token kept as its sha256), recipients' links (the token kept as its sha256; revoked, never deleted) and
# login attempts (for throttling). What the desk does is also in the audit log (``desk:*`` events).
accounts = Table(
    "desk_accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False),
    Column("role", String(20), nullable=False),  # secretariat, lead, observer
    Column("category", Text),  # a lead department's category
    Column("password_hash", Text, nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name", name="uq_desk_accounts_name"),
)

sessions = Table(
    "desk_sessions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False),
    Column("account_id", Integer, ForeignKey("desk_accounts.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("address", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    UniqueConstraint("token_hash", name="uq_desk_sessions_token"),
)

links = Table(
    "desk_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("holder", String(120), nullable=False),  # a unit id, a unit–county recipient id, a voting sheet's id
    Column("token_hash", String(64), nullable=False),
    Column("actor", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    UniqueConstraint("token_hash", name="uq_desk_links_token"),
)
Index("ix_desk_links_holder", links.c.year, links.c.holder)

logins = Table(
    "desk_logins", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False),
    Column("address", String(64)),
    Column("ok", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_desk_logins_name", logins.c.name, logins.c.at)
Index("ix_desk_logins_address", logins.c.address, logins.c.at)
