"""Schema changes as recorded migrations: each has a version, a name and a function; applied in order,
each in its own transaction, and recorded in ``formkit_migrations``.

Every migration keeps the DDL it was written with (the frozen tables below), so an old store and a new one
end with the same schema whatever ``schema.py`` says today; a test compares a migrated store with it.

On PostgreSQL the migrations may run as an owner role while the application connects as another role
(``FORMKIT_DB_OWNER`` beside ``FORMKIT_DB``): :func:`grant_app` then gives the application role only what
it needs, and on ``audit_log`` only SELECT and INSERT.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)

from formkit.store import upgrade_v5
from formkit.store.audit import GENESIS, event_hash
from formkit.store.safe import clean

# -- frozen DDL: the tables as each migration created them ------------------------------------------------
_frozen = MetaData()

_migrations = Table(
    "formkit_migrations", _frozen,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

_v1_submissions = Table(
    "submissions", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("format", String(40)),
    Column("producer", Text),
    Column("outcome", String(40), nullable=False),
    Column("code", String(80)),
    Column("message", Text),
    Column("form", String(80)),
    Column("form_version", Integer),
    Column("year", Integer),
    Column("recipient_id", String(120)),
    Column("recipient_name", Text),
    Column("errors", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("record", JSON),
    Column("reader", String(80), nullable=False),
    Column("converted_by", String(80)),
    Column("supersedes", Integer, ForeignKey("submissions.id")),
    UniqueConstraint("sha256", name="uq_submissions_sha256"),
)
Index("ix_submissions_recipient", _v1_submissions.c.form, _v1_submissions.c.year, _v1_submissions.c.recipient_id)

_v1_audit = Table(
    "audit_log", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(40), nullable=False),
    Column("submission_id", Integer, ForeignKey("submissions.id")),
    Column("sha256", String(64)),
    Column("detail", JSON),
)

_v1_issued = Table(
    "issued", _frozen,
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
    UniqueConstraint("form", "year", "recipient_id", name="uq_issued_recipient"),
)

_v3_grades = Table(
    "review_grades", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("recipient_id", String(120), nullable=False),
    Column("unit", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("score", JSON),
    Column("proposed", String(40), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("grade", String(40), nullable=False),
    Column("override_reason", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("year", "recipient_id", name="uq_review_grade"),
)

_SQLITE_REFUSE = ("CREATE TRIGGER IF NOT EXISTS audit_log_no_{op} BEFORE {OP} ON audit_log "
                  "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
CHAIN_LOCK = 7042  # PostgreSQL advisory lock held while an event is added to the chain


def _v1_tables(conn: Connection) -> None:
    _frozen.create_all(conn, tables=[_v1_submissions, _v1_audit, _v1_issued])


def _v2_append_only_audit(conn: Connection) -> None:
    """The audit log refuses UPDATE and DELETE, at the database level."""
    if conn.dialect.name == "sqlite":
        for op in ("UPDATE", "DELETE"):
            conn.execute(text(_SQLITE_REFUSE.format(op=op.lower(), OP=op)))
    elif conn.dialect.name == "postgresql":
        conn.execute(text(
            "CREATE OR REPLACE FUNCTION formkit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"))
        conn.execute(text(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION formkit_append_only()"))


def _v3_review_grades(conn: Connection) -> None:
    _frozen.create_all(conn, tables=[_v3_grades])


def _v4_audit_chain(conn: Connection) -> None:
    """A hash chain over the audit log (the events already there are chained in id order), and the write
    paths the append-only triggers missed: on SQLite an INSERT OR REPLACE (its REPLACE deletes without
    firing DELETE triggers) is refused by a BEFORE INSERT trigger on an id that exists, and an event that
    does not extend the chain is refused; on PostgreSQL the same chain check, and TRUNCATE (which row
    triggers do not see) by a statement trigger."""
    sqlite = conn.dialect.name == "sqlite"
    for name in ("prev_hash", "hash"):
        conn.execute(text(f"ALTER TABLE audit_log ADD COLUMN {name} VARCHAR(64)"))
    if sqlite:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
    else:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    head = GENESIS
    for row in conn.execute(select(_v1_audit).order_by(_v1_audit.c.id)).mappings().all():
        detail = clean(row["detail"])
        if detail.not_finite:  # standard JSON from now on
            conn.execute(_v1_audit.update().where(_v1_audit.c.id == row["id"]).values(detail=detail.value))
        digest = event_hash(head, row["at"], row["event"], row["submission_id"], row["sha256"], detail.value)
        conn.execute(text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :id"),
                     {"p": head, "h": digest, "id": row["id"]})
        head = digest
    if sqlite:
        conn.execute(text(_SQLITE_REFUSE.format(op="update", OP="UPDATE")))
        conn.execute(text(
            "CREATE TRIGGER audit_log_insert BEFORE INSERT ON audit_log BEGIN "
            "SELECT RAISE(ABORT, 'audit_log is append-only') "
            "WHERE EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id); "
            "SELECT RAISE(ABORT, 'audit_log: event does not extend the hash chain') "
            f"WHERE NEW.hash IS NULL OR NEW.prev_hash IS NOT coalesce("
            f"(SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '{GENESIS}'); END"))
        return
    conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    conn.execute(text(
        "CREATE OR REPLACE FUNCTION formkit_audit_extends_chain() RETURNS trigger AS $$ "
        "DECLARE head varchar(64); BEGIN "
        "IF EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) THEN "
        "RAISE EXCEPTION 'audit_log is append-only'; END IF; "
        f"PERFORM pg_advisory_xact_lock({CHAIN_LOCK}); "
        "SELECT hash INTO head FROM audit_log ORDER BY id DESC LIMIT 1; "
        f"IF NEW.hash IS NULL OR NEW.prev_hash IS DISTINCT FROM coalesce(head, '{GENESIS}') THEN "
        "RAISE EXCEPTION 'audit_log: event does not extend the hash chain'; END IF; "
        "RETURN NEW; END; $$ LANGUAGE plpgsql"))
    conn.execute(text("CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log "
                      "FOR EACH ROW EXECUTE FUNCTION formkit_audit_extends_chain()"))
    conn.execute(text("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                      "FOR EACH STATEMENT EXECUTE FUNCTION formkit_append_only()"))


_v6_acts = Table(
    "review_acts", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("value", JSON, nullable=False),
    Column("reason", Text),
    Column("actor", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_review_acts_kind", _v6_acts.c.year, _v6_acts.c.kind, _v6_acts.c.subject)


def _v6_review_acts(conn: Connection) -> None:
    _frozen.create_all(conn, tables=[_v6_acts])


_v7_attachments = Table(
    "attachments", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("unit_id", String(120), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("format", String(40), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("supersedes", Integer, ForeignKey("attachments.id")),
    Column("actor", Text),
    UniqueConstraint("year", "unit_id", "kind", "sha256", name="uq_attachments_file"),
)
Index("ix_attachments_unit", _v7_attachments.c.year, _v7_attachments.c.unit_id, _v7_attachments.c.kind)


def _v7_attachments_table(conn: Connection) -> None:
    _frozen.create_all(conn, tables=[_v7_attachments])


_v8_accounts = Table(
    "desk_accounts", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False),
    Column("role", String(20), nullable=False),
    Column("category", Text),
    Column("password_hash", Text, nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name", name="uq_desk_accounts_name"),
)
_v8_sessions = Table(
    "desk_sessions", _frozen,
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
_v8_links = Table(
    "desk_links", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("holder", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("actor", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    UniqueConstraint("token_hash", name="uq_desk_links_token"),
)
Index("ix_desk_links_holder", _v8_links.c.year, _v8_links.c.holder)
_v8_logins = Table(
    "desk_logins", _frozen,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False),
    Column("address", String(64)),
    Column("ok", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_desk_logins_name", _v8_logins.c.name, _v8_logins.c.at)
Index("ix_desk_logins_address", _v8_logins.c.address, _v8_logins.c.at)


def _v8_desk(conn: Connection) -> None:
    _frozen.create_all(conn, tables=[_v8_accounts, _v8_sessions, _v8_links, _v8_logins])


def _v9_record_compression(conn: Connection) -> None:
    """PostgreSQL: a submission's record (about 8 KB of JSON, compressed when stored) with lz4 rather than the
    default pglz, where the server has lz4 (PostgreSQL 14 and later, built with it): the same size here, and
    half the server's time for each inserted row (measured: 0.20 s against 0.10 s for 900 records). Records
    stored before keep their compression; nothing is rewritten. SQLite compresses nothing."""
    if conn.dialect.name != "postgresql":
        return
    methods = conn.execute(text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
    if methods and "lz4" in methods:
        conn.execute(text("ALTER TABLE submissions ALTER COLUMN record SET COMPRESSION lz4"))


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "submissions, audit log, issued forms", _v1_tables),
    (2, "audit log is append-only", _v2_append_only_audit),
    (3, "review grades", _v3_review_grades),
    (4, "audit log hash chain; no replace, no truncate", _v4_audit_chain),
    (5, "unit, county and period as columns; findings across documents", upgrade_v5.upgrade),
    (6, "acts of the review's parties", _v6_review_acts),
    (7, "attachments: a unit's written report beside its forms", _v7_attachments_table),
    (8, "the web desk: accounts, sessions, recipients' links, logins", _v8_desk),
    (9, "records compressed with lz4 (PostgreSQL)", _v9_record_compression),
]


def pending(engine: Engine) -> list[int]:
    """The versions not applied yet (all of them for a database without formkit's tables)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(_migrations.name):
            return [m[0] for m in MIGRATIONS]
        done = set(conn.execute(select(_migrations.c.version)).scalars())
    return [m[0] for m in MIGRATIONS if m[0] not in done]


def migrate(engine: Engine, upto: int | None = None) -> list[int]:
    """Apply the migrations not yet recorded (up to version ``upto``: a store as an older formkit left it,
    for the upgrade tests); return the versions applied now."""
    if not pending(engine):
        return []
    _frozen.create_all(engine, tables=[_migrations])
    applied = []
    for version, name, apply in MIGRATIONS[:upto]:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # two processes opening a new store at once
                conn.execute(text("SELECT pg_advisory_xact_lock(7041)"))
            done = conn.execute(select(_migrations.c.version).where(_migrations.c.version == version)).first()
            if done:
                continue
            apply(conn)
            conn.execute(_migrations.insert().values(version=version, name=name,
                                                     applied_at=datetime.now(timezone.utc)))
            applied.append(version)
    return applied


def current_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(_migrations.c.version).order_by(_migrations.c.version.desc())).scalar() or 0


# the application role's rights when it is not the owner: everything it does, and no more
APP_GRANTS = {
    "formkit_migrations": "SELECT",
    "submissions": "SELECT, INSERT, UPDATE",
    "issued": "SELECT, INSERT, DELETE",
    "review_grades": "SELECT, INSERT, UPDATE",
    "audit_log": "SELECT, INSERT",
    "later_findings": "SELECT, INSERT",
    "review_acts": "SELECT, INSERT",
    "attachments": "SELECT, INSERT",
    "desk_accounts": "SELECT, INSERT, UPDATE",
    "desk_sessions": "SELECT, INSERT, UPDATE",
    "desk_links": "SELECT, INSERT, UPDATE",
    "desk_logins": "SELECT, INSERT",
}


def grant_app(engine: Engine, role: str) -> None:
    """Give the PostgreSQL application ``role`` the rights it needs on the owner's tables (run as the
    owner after migrating; idempotent): on ``audit_log`` only SELECT and INSERT."""
    with engine.begin() as conn:
        quoted = conn.dialect.identifier_preparer.quote(role)
        for table, rights in APP_GRANTS.items():
            conn.execute(text(f"REVOKE ALL ON {table} FROM {quoted}"))
            conn.execute(text(f"GRANT {rights} ON {table} TO {quoted}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA {conn.dialect.identifier_preparer.quote(_schema(conn))} "
                          f"TO {quoted}"))
        for seq in conn.execute(text("SELECT sequence_name FROM information_schema.sequences "
                                     "WHERE sequence_schema = current_schema()")).scalars():
            conn.execute(text(f"GRANT USAGE, SELECT ON SEQUENCE {conn.dialect.identifier_preparer.quote(seq)} "
                              f"TO {quoted}"))


def _schema(conn: Connection) -> str:
    return conn.execute(text("SELECT current_schema()")).scalar()
