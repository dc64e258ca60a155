"""Schema changes as recorded migrations: each has a version, a name and a function; applied in order,
each in its own transaction, and recorded in ``formkit_migrations``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, select, text

from formkit.store import schema


def _v1_tables(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.submissions, schema.audit, schema.issued])


def _v2_append_only_audit(conn: Connection) -> None:
    """The audit log refuses UPDATE and DELETE, at the database level."""
    if conn.dialect.name == "sqlite":
        for op in ("UPDATE", "DELETE"):
            conn.execute(text(
                f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{op.lower()} BEFORE {op} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text(
            "CREATE OR REPLACE FUNCTION formkit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"))
        conn.execute(text(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION formkit_append_only()"))


def _v3_review_grades(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.grades])


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "submissions, audit log, issued forms", _v1_tables),
    (2, "audit log is append-only", _v2_append_only_audit),
    (3, "review grades", _v3_review_grades),
]


def migrate(engine: Engine) -> list[int]:
    """Apply the migrations not yet recorded; return the versions applied now."""
    schema.metadata.create_all(engine, tables=[schema.migrations])
    applied = []
    for version, name, apply in MIGRATIONS:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # two processes opening a new store at once
                conn.execute(text("SELECT pg_advisory_xact_lock(7041)"))
            done = conn.execute(select(schema.migrations.c.version).where(
                schema.migrations.c.version == version)).first()
            if done:
                continue
            apply(conn)
            conn.execute(schema.migrations.insert().values(version=version, name=name,
                                                           applied_at=datetime.now(timezone.utc)))
            applied.append(version)
    return applied


def current_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(schema.migrations.c.version).order_by(
            schema.migrations.c.version.desc())).scalar() or 0
