"""A store made by an earlier formkit (tests/fixtures/legacy: schema v4, the period inside the recipient id,
everything read in the ``record`` JSON column), upgraded by today's: the same submissions, findings and
audit rows as before, who each document is for as columns, rule.funds-differ between the pair that disagreed,
``formkit verify`` clean, and the same shape as a store made new."""

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, inspect, select, text

from formkit.store import Store
from formkit.store.audit import instant
from formkit.store.migrations import migrate

LEGACY = Path(__file__).parent / "fixtures" / "legacy"
TABLES = ("submissions", "issued", "audit_log", "review_grades")


def legacy_rows() -> dict[str, list[dict]]:
    """Every row of the legacy store, as its own database holds them (read with plain SQLAlchemy)."""
    engine = create_engine(f"sqlite:///{LEGACY / 'formkit.db'}")
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        rows = {name: [dict(r._mapping) for r in conn.execute(select(meta.tables[name]).order_by(
            meta.tables[name].c.id))] for name in TABLES}
    engine.dispose()
    return rows


def make_legacy(url: str, tmp_path: Path) -> Path:
    """The legacy store at ``url``: the fixture's file for SQLite; for PostgreSQL the schema as formkit v4
    made it and the fixture's rows copied in, ids and hash chain as they were."""
    originals = tmp_path / "originals"
    shutil.copytree(LEGACY / "formkit-originals", originals)
    if url.startswith("sqlite"):
        shutil.copy(LEGACY / "formkit.db", url.removeprefix("sqlite:///"))
        return originals
    engine = create_engine(url)
    migrate(engine, upto=4)
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for name, rows in legacy_rows().items():
            if rows:
                conn.execute(meta.tables[name].insert(), rows)
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                              f"(SELECT coalesce(max(id), 1) FROM {name}))"))
    engine.dispose()
    return originals


def rows_of(store: Store) -> dict[str, list[dict]]:
    meta = MetaData()
    meta.reflect(store.engine)
    with store.engine.connect() as conn:
        return {name: [dict(r._mapping) for r in conn.execute(select(meta.tables[name]).order_by(
            meta.tables[name].c.id))] for name in (*TABLES, "later_findings")}


def same(row: dict) -> dict:
    """A row with its times in one form (SQLite gives them back without a zone, PostgreSQL with UTC)."""
    return {k: instant(v) if isinstance(v, datetime) else v for k, v in row.items()}


def shape(engine) -> dict:
    """Every table's columns (name, type, length, nullable), indexes, unique constraints and foreign keys."""
    found = inspect(engine)
    return {t: {"columns": sorted((c["name"], type(c["type"]).__name__.upper(), getattr(c["type"], "length", None),
                                   c["nullable"]) for c in found.get_columns(t)),
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(t)),
                "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(t)),
                "foreign": sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in found.get_foreign_keys(t))}
            for t in sorted(found.get_table_names())}


def declared() -> dict:
    """What schema.py declares today, in the terms of :func:`shape` (names of columns and indexes)."""
    from formkit.store import schema

    return {t.name: {"columns": sorted(c.name for c in t.columns), "indexes": sorted(i.name for i in t.indexes)}
            for t in schema.metadata.sorted_tables}


def test_a_store_made_by_formkit_v4_upgrades_without_loss(store_url, tmp_path):
    before = legacy_rows()
    originals = make_legacy(store_url, tmp_path)
    with Store(store_url, originals, create=False) as store:
        assert store.migrated == [5, 6, 7, 8, 9]
        after = rows_of(store)
        # every row and every column it had is unchanged; the audit log only grew at its end
        for name in TABLES:
            assert len(after[name]) == len(before[name]) + (2 if name == "audit_log" else 0), name
            for old, new in zip(before[name], after[name], strict=False):
                assert same({k: new[k] for k in old}) == same(old), (name, old["id"])
        assert [e["event"] for e in after["audit_log"][len(before["audit_log"]):]] == ["cross-checked", "migrated"]
        # the findings read then come back as findings, their messages as they were shown
        for row in before["submissions"]:
            sub = next(s for s in store.submissions() if s.id == row["id"])
            stored = (row["record"] or {}).get("findings") or []
            assert [(f.code, f.severity, f.message) for f in (sub.record.findings if sub.record else ())] == \
                [(f["code"], f["severity"], f["message"]) for f in stored]
        # who each document is for, as columns: the period is no longer parsed out of "U001-Q2"
        current = store.current(2026)
        ledger = current[("quarterly-ledger", "U001-Q2")]
        assert (ledger.recipient.unit_id, ledger.recipient.period, ledger.recipient.quarter) == ("U001", "Q2", 2)
        county = current[("county-feedback", "U001-130731")]
        assert (county.recipient.unit_id, county.recipient.county) == ("U001", "太行县")
        issued = {(i.form, i.recipient.id): i for i in store.issued(2026)}
        assert issued[("quarterly-ledger", "U003-Q2")].recipient.period == "Q2"  # issued, never returned
        # the pair whose funds disagree (the county confirmed 1 万元) carries rule.funds-differ on both sides
        assert [f.code for f in county.later] == ["rule.funds-differ"]
        unit = current[("self-assessment", "U001")]
        assert [(f.code, f.subject) for f in unit.later] == [("rule.funds-differ", "太行县")]
        assert unit.warnings == unit.read_warnings + 1
        assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}
    # the same shape as a store made new
    fresh_url = f"sqlite:///{tmp_path}/fresh.db" if store_url.startswith("sqlite") else None
    if fresh_url:
        with Store(fresh_url, tmp_path / "fresh-originals") as fresh, Store(store_url, originals) as upgraded:
            assert shape(upgraded.engine) == shape(fresh.engine)
            got = shape(upgraded.engine)
            assert {t: {"columns": sorted(c[0] for c in v["columns"]), "indexes": sorted(i[0] for i in v["indexes"])}
                    for t, v in got.items() if t in declared()} == declared()


@pytest.mark.postgres
def test_an_upgraded_postgresql_store_has_the_shape_of_a_new_one(tmp_path):
    from conftest import need_pg, pg_database

    base = need_pg()
    fresh_db = pg_database(base)
    fresh = next(fresh_db)
    legacy_db = pg_database(base)
    legacy = next(legacy_db)
    try:
        originals = make_legacy(legacy, tmp_path)
        with Store(fresh, tmp_path / "f") as new, Store(legacy, originals) as upgraded:
            assert shape(upgraded.engine) == shape(new.engine)
    finally:
        for gen in (fresh_db, legacy_db):
            next(gen, None)
