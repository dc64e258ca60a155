"""The store never loses a batch and its audit log cannot be rewritten unnoticed, on SQLite and PostgreSQL:
one file's unstorable values cost only that file (and it still gets its row); transient outcomes are read
again as an audited attempt; the append-only triggers cover every write path (INSERT OR REPLACE, TRUNCATE);
on PostgreSQL the application role may only insert into the log; a hash chain, checked by ``verify`` against
the heads written into manifests, finds what gets past; opening a store that is not there, or a bad URL, is
a coded error."""

import csv
import hashlib
import json
import time

import pytest
from click.testing import CliRunner
from conftest import FIXED, YEAR
from fixtures.hostile_values import set_property, set_value, typed
from fixtures.store import (
    crashed,
    forge_value,
    hostile_batch,
    new_version,
    reader_changing,
    rechain,
    snapshot,
    sqlite_exec,
    stored_rows,
)
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import DataError

from formkit.cli import main
from formkit.intake.ingest import ingest, ingest_one
from formkit.resources import samples_dir
from formkit.store import Store, schema
from formkit.store.audit import GENESIS, HEAD_COLUMN, HEAD_LINE, heads_in
from formkit.store.migrations import MIGRATIONS, current_version
from formkit.store.store import StoreError
from formkit.store.writing import Writing

READABLE = ("accepted", "accepted-with-warnings")


def codes(problems):
    return [(p["code"], p.get("submission") or p.get("event") or p.get("manifest")) for p in problems]


def unguarded(conn):
    """Take the append-only triggers out of the way, as someone holding the database file or owner role could."""
    if conn.dialect.name == "sqlite":
        for name in ("audit_log_no_update", "audit_log_no_delete", "audit_log_insert"):
            conn.execute(text(f"DROP TRIGGER {name}"))
    else:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))


def copies(filled_forms, folder, *ids):
    folder.mkdir(exist_ok=True)
    out = []
    for rid in ids:
        path = folder / filled_forms[rid].name
        path.write_bytes(filled_forms[rid].read_bytes())
        out.append(path)
    return out


def every_original_has_a_row(store):
    assert store.objects.all() == {r["sha256"] for r in stored_rows(store)}


# -- one boundary per file -----------------------------------------------------------------------------------
def test_unstorable_values_cost_only_their_file(store, filled_forms, tmp_path, monkeypatch):
    """A reader result with NaN and a recipient id over the column's 120 characters: stored as standard JSON
    with coded findings, and the rest of the batch stored."""
    files = copies(filled_forms, tmp_path / "in", "U001", "U002", "U003")

    def change(name, outcome):
        if name == files[1].name:
            outcome.record["values"]["industry_investment"] = float("nan")
            outcome.record["values"]["funds"] = [{"amount": float("inf")}]
            outcome.record["recipient"]["id"] = "U" * 300
        return outcome

    reader_changing(monkeypatch, change)
    results = list(ingest(files, store))
    assert [r.outcome for r in results] == ["accepted", "accepted-with-warnings", "accepted"], results
    row = next(r for r in stored_rows(store) if r["id"] == results[1].submission)
    found = {f["code"]: f for f in row["record"]["findings"]}
    assert {"store.not-finite", "store.too-long"} <= set(found) and row["errors"] >= 2
    assert "「industry_investment」" in found["store.not-finite"]["message"]
    assert row["record"]["values"]["industry_investment"] is None and len(row["recipient_id"]) == 120
    with store.engine.connect() as conn:  # what the database holds is standard JSON
        raw = conn.execute(text("SELECT CAST(record AS TEXT) FROM submissions WHERE id = :i"),
                           {"i": row["id"]}).scalar()
    json.loads(raw, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    every_original_has_a_row(store)
    assert store.verify()["audit"] == []


def test_hostile_values_in_real_files_each_get_a_row(store, filled_forms, tmp_path):
    """NaN typed as an amount and a 300-character recipient property, in a batch with a good form."""
    folder = tmp_path / "in"
    folder.mkdir()
    base = filled_forms["U001"].read_bytes()
    (folder / "nan.docx").write_bytes(set_value(base, "招商引资数额（万元）", typed("NaN")))
    (folder / "long.docx").write_bytes(set_property(base, "formkit.recipient", "U" * 300))
    copies(filled_forms, folder, "U002")
    results = {r.file.rsplit("/", 1)[-1]: r for r in ingest([folder], store)}
    assert all(r.submission and (r.outcome == "accepted" or r.code) for r in results.values()), results
    assert results[filled_forms["U002"].name].outcome in READABLE
    assert all(len(r["recipient_id"] or "") <= 120 for r in stored_rows(store))
    every_original_has_a_row(store)


def test_a_row_the_database_refuses_is_kept_as_a_coded_rejection(store, filled_forms, tmp_path, monkeypatch):
    """The refused row is the second of a group: the group is rolled back and stored file by file, so the
    files before and after it are stored as read, and it is kept as a coded rejection."""
    files = copies(filled_forms, tmp_path / "in", "U001", "U002", "U003")
    real_add = Writing.add

    def refusing(self, data, row, *args, **kwargs):
        if row["file_name"] == str(files[1]) and row["outcome"] != "rejected":
            raise DataError("INSERT INTO submissions ...", {}, Exception("value too long for type character varying(120)"))
        return real_add(self, data, row, *args, **kwargs)

    monkeypatch.setattr(Writing, "add", refusing)
    results = list(ingest(files, store))
    assert [r.outcome for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1].code == "store.rejected-row" and "数据库拒绝" in results[1].message and results[1].submission
    every_original_has_a_row(store)
    assert [e["event"] for e in store.audit_events()] == ["ingested", "rejected", "ingested"]


# -- transient outcomes ----------------------------------------------------------------------------------------
def test_a_transient_outcome_is_read_again_audited_and_superseded(store, filled_forms, tmp_path, monkeypatch):
    first = tmp_path / "U002.docx"
    first.write_bytes(filled_forms["U002"].read_bytes())
    newer = tmp_path / "U002-v2.docx"
    newer.write_bytes(new_version(first.read_bytes()))
    with monkeypatch.context() as patched:
        reader_changing(patched, lambda name, outcome: crashed(name) if name == first.name else outcome)
        lost = ingest_one(first, store)
    assert (lost.outcome, lost.code) == ("crashed", "intake.crashed") and lost.submission
    v2 = ingest_one(newer, store)
    assert store.current(YEAR)[("self-assessment", "U002")].id == v2.submission
    again = ingest_one(first, store)  # the same bytes: read again, not the stored "crashed"
    assert (again.outcome, again.submission, again.duplicate, again.retried) == \
        ("accepted", lost.submission, False, "crashed")
    rows = {r["id"]: r for r in stored_rows(store)}
    assert len(rows) == 2 and rows[lost.submission]["outcome"] == "accepted"
    assert rows[v2.submission]["supersedes"] == lost.submission and rows[lost.submission]["supersedes"] is None
    assert store.current(YEAR)[("self-assessment", "U002")].id == v2.submission  # the later version counts
    retried = [e for e in store.audit_events() if e["event"] == "retried"]
    assert [(e["submission_id"], e["detail"]["previous"]["outcome"], e["detail"]["outcome"]) for e in retried] == \
        [(lost.submission, "crashed", "accepted")]
    relinked = [e for e in store.audit_events() if e["event"] == "relinked"]  # v2's row changed: audited too
    assert [(e["submission_id"], e["detail"]["supersedes"], e["detail"]["was"]) for e in relinked] == \
        [(v2.submission, lost.submission, None)]
    third = ingest_one(first, store)
    assert third.duplicate and third.outcome == "accepted" and third.retried is None
    assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}


# -- write paths the triggers must cover ------------------------------------------------------------------------
def test_insert_or_replace_and_upsert_cannot_rewrite_an_event(store, filled_forms):
    ingest_one(filled_forms["U001"], store)
    [before] = store.audit_events()
    forged = ("(id, at, event, submission_id, sha256, detail, prev_hash, hash) "
              f"VALUES (1, '2020-01-01', 'forged', NULL, NULL, NULL, '{GENESIS}', '{'f' * 64}')")
    statements = [f"INSERT INTO audit_log {forged} ON CONFLICT (id) DO UPDATE SET event = 'forged'", "TRUNCATE audit_log"]
    if store.engine.dialect.name == "sqlite":
        statements = [f"INSERT OR REPLACE INTO audit_log {forged}", f"REPLACE INTO audit_log {forged}",
                      statements[0], "DELETE FROM audit_log", "UPDATE OR REPLACE audit_log SET event = 'x'"]
    for statement in statements:
        with pytest.raises(Exception, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(text(statement))
    assert store.audit_events() == [before]


def test_an_event_that_does_not_extend_the_chain_is_refused(store, filled_forms):
    ingest_one(filled_forms["U001"], store)
    with pytest.raises(Exception, match="hash chain"):
        with store.engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_log (at, event, prev_hash, hash) "
                              f"VALUES (CURRENT_TIMESTAMP, 'forged', '{GENESIS}', '{'a' * 64}')"))
    assert len(store.audit_events()) == 1


# -- what gets past the triggers, verify finds ---------------------------------------------------------------------
def test_verify_finds_rewritten_deleted_and_recomputed_events(store, filled_forms, tmp_path):
    for rid in ("U001", "U001", "U002", "U003"):  # events 1-4: ingested, duplicate, ingested, ingested
        ingest_one(filled_forms[rid], store)
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 broken")
    rejected = ingest_one(bad, store)
    manifest = tmp_path / "manifest-sha256.txt"
    manifest.write_text(HEAD_LINE + store.audit_head() + "\n")
    assert store.verify([manifest])["audit"] == []
    with store.engine.begin() as conn:
        unguarded(conn)
        conn.execute(text("UPDATE audit_log SET event = 'verified' WHERE id = 2"))
    assert codes(store.verify()["audit"]) == [("audit.chain-broken", 2)]
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 2"))
    assert codes(store.verify()["audit"]) == [("audit.events-missing", 3)]
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 3"))
    u002 = next(r["id"] for r in stored_rows(store) if r["recipient_id"] == "U002")
    assert codes(store.verify()["audit"]) == [("audit.events-missing", 4), ("audit.event-missing", u002)]
    with store.engine.begin() as conn:  # a careful forger: the outcome changed, the event too, chain recomputed
        conn.execute(text("UPDATE submissions SET outcome = 'accepted' WHERE id = :i"), {"i": rejected.submission})
        conn.execute(text("UPDATE audit_log SET event = 'ingested' WHERE submission_id = :i"),
                     {"i": rejected.submission})
        rechain(conn)
    found = codes(store.verify([manifest])["audit"])
    assert ("audit.head-mismatch", str(manifest)) in found and ("audit.record-differs", rejected.submission) in found
    assert not [c for c, _ in found if c in ("audit.chain-broken", "audit.events-missing")]


def test_sqlite_trigger_dropped_and_row_rewritten(tmp_path, filled_forms):
    url = f"sqlite:///{tmp_path}/formkit.db"
    with Store(url, tmp_path / "o") as store:
        ingest_one(filled_forms["U001"], store)
        ingest_one(filled_forms["U002"], store)
    import sqlite3  # plain sqlite3, as anyone with the file could

    db = sqlite3.connect(tmp_path / "formkit.db")
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET detail = json_set(detail, '$.outcome', 'rejected') WHERE id = 1")
    db.commit()
    db.close()
    with Store(url, tmp_path / "o") as store:
        assert codes(store.verify()["audit"]) == [("audit.chain-broken", 1), ("audit.record-differs", 1)]


def test_verify_finds_a_submission_row_edited_in_place(store, filled_forms, tmp_path):
    """``submissions`` is not append-only (a retry rewrites its row), so an edit there is found by the digest
    of the row its latest event recorded: a value inside the record, the outcome, the error count, the form,
    the recipient, the version link. Rows nobody touched are not reported."""
    files = copies(filled_forms, tmp_path / "in", "U001", "U002", "U003", "U004", "U005", "U006-141132")
    ids = [r.submission for r in ingest(files, store)]
    manifest = tmp_path / "manifest-sha256.txt"
    manifest.write_text(HEAD_LINE + store.audit_head() + "\n")
    assert store.verify([manifest])["audit"] == []
    with store.engine.begin() as conn:
        forge_value(conn, ids[0], "unit_name", "FORGED")
        for sid, change in zip(ids[1:], ("outcome = 'rejected'", "errors = errors + 1", "form = 'county-feedback'",
                                         "recipient_id = 'U099'", f"supersedes = {ids[0]}"), strict=True):
            conn.execute(text(f"UPDATE submissions SET {change} WHERE id = :i"), {"i": sid})
    assert stored_rows(store)[0]["record"]["values"]["unit_name"] == "FORGED"
    found = store.verify([manifest])["audit"]
    assert codes(found) == [("audit.record-differs", sid) for sid in ids]
    assert "直接修改" in found[0]["message"] and files[0].name in found[0]["message"]


def test_verify_compares_rows_of_events_from_before_digests_by_outcome(store, filled_forms):
    """An event written before row digests names only the outcome: that much is still compared."""
    sid = ingest_one(filled_forms["U001"], store).submission
    with store.engine.begin() as conn:
        unguarded(conn)
        conn.execute(text("UPDATE audit_log SET detail = :d WHERE submission_id = :i"),
                     {"d": json.dumps({"file": "U001.docx", "outcome": "accepted", "code": None}), "i": sid})
        rechain(conn)
    assert store.verify()["audit"] == []
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE submissions SET outcome = 'rejected' WHERE id = :i"), {"i": sid})
    assert codes(store.verify()["audit"]) == [("audit.record-differs", sid)]


def test_ingesting_a_hostile_batch_changes_nothing_stored(store, filled_forms, tmp_path):
    """A good batch stored, then a hostile one (unreadable, unstorable, a duplicate under a GBK name, a new
    version from a recipient already stored): every earlier row of submissions and of the audit log is
    byte for byte what it was, every hostile file has its row, and verify is clean."""
    good = copies(filled_forms, tmp_path / "good", "U001", "U002", "U003")
    assert all(r.outcome in READABLE for r in ingest(good, store))
    before = snapshot(store.engine)
    base = filled_forms["U001"].read_bytes()
    batch = hostile_batch(tmp_path / "hostile", base, good[2].read_bytes(), new_version(good[1].read_bytes()))
    results = list(ingest(batch, store))
    assert len(results) == len(batch) and all(r.submission for r in results), results
    assert [r.duplicate for r in results].count(True) == 1
    after = snapshot(store.engine)
    for table, rows in before.items():
        assert after[table][:len(rows)] == rows, table
    assert len(after["submissions"]) == len(before["submissions"]) + len(batch) - 1
    newer = next(r for r in results if r.file.endswith("newer.docx"))
    assert store.current(YEAR)[("self-assessment", "U002")].id == newer.submission
    every_original_has_a_row(store)
    assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}


@pytest.mark.postgres
def test_postgres_app_role_cannot_rewrite_or_empty_the_log(pg_roles, filled_forms, tmp_path):
    app_url, owner_url = pg_roles
    with pytest.raises(StoreError) as refused:  # the application role alone cannot build the schema
        Store(app_url, tmp_path / "o")
    assert refused.value.code == "store.needs-owner"
    with Store(app_url, tmp_path / "o", owner=owner_url) as store:
        ingest_one(filled_forms["U001"], store)
        ingest_one(filled_forms["U002"], store)
    manifest = tmp_path / "manifest.csv"
    with Store(app_url, tmp_path / "o") as store:  # as the application runs: its own role only
        assert current_version(store.engine) == MIGRATIONS[-1][0]
        with open(manifest, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([["表单", HEAD_COLUMN], ["self-assessment", store.audit_head()]])
        for statement in ("TRUNCATE audit_log", "DELETE FROM audit_log", "UPDATE audit_log SET event = 'x'",
                          "ALTER TABLE audit_log DISABLE TRIGGER USER", "DROP TRIGGER audit_log_chain ON audit_log"):
            with pytest.raises(Exception, match="permission denied|must be owner"):
                with store.engine.begin() as conn:
                    conn.execute(text(statement))
        ingest_one(filled_forms["U003"], store)  # and it still works
        assert len(store.audit_events()) == 3
    owner = create_engine(owner_url)
    with pytest.raises(Exception, match="append-only"), owner.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    with owner.begin() as conn:  # the owner can get past the trigger: verify then sees it
        unguarded(conn)
        conn.execute(text("TRUNCATE audit_log"))
    owner.dispose()
    with Store(app_url, tmp_path / "o") as store:
        found = codes(store.verify([manifest])["audit"])
    assert ("audit.head-mismatch", str(manifest)) in found
    assert [c for c, _ in found].count("audit.event-missing") == 3


# -- migrations ----------------------------------------------------------------------------------------------------
def test_a_store_from_before_the_chain_is_chained_by_its_migration(store_url, tmp_path):
    from formkit.store.migrations import _migrations, _v1_audit, _v1_submissions

    engine = create_engine(store_url)
    sha = hashlib.sha256(b"a").hexdigest()
    with engine.begin() as conn:
        _migrations.metadata.create_all(conn, tables=[_migrations])
        for version, name, apply in MIGRATIONS[:3]:
            apply(conn)
            conn.execute(_migrations.insert().values(version=version, name=name, applied_at=FIXED))
        conn.execute(_v1_submissions.insert().values(sha256=sha, file_name="a.docx", size=1, received_at=FIXED,
                                                     outcome="rejected", reader="formkit/old"))
        conn.execute(_v1_audit.insert().values(at=FIXED, event="rejected", submission_id=1, sha256=sha, detail={
            "file": "a.docx", "outcome": "rejected", "code": None}))
        if engine.dialect.name == "sqlite":  # an old store could hold NaN (SQLite takes it, PostgreSQL not)
            conn.execute(text("INSERT INTO audit_log (at, event, detail) VALUES "
                              "('2026-11-01 00:00:00.000000', 'verified', '{\"missing\": 0, \"odd\": NaN}')"))
        else:
            conn.execute(_v1_audit.insert().values(at=FIXED, event="verified", detail={"missing": 0, "odd": None}))
    engine.dispose()
    with Store(store_url, tmp_path / "o") as store:
        store.objects.put(b"a")
        assert current_version(store.engine) == MIGRATIONS[-1][0]
        events = store.audit_events()
        assert events[0]["prev_hash"] == GENESIS and events[1]["prev_hash"] == events[0]["hash"]
        assert events[1]["detail"] == {"missing": 0, "odd": None}
        assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET event = 'x'"))


def test_a_migrated_store_has_exactly_the_declared_columns(store):
    found = inspect(store.engine)
    for table in schema.metadata.sorted_tables:
        assert [c["name"] for c in found.get_columns(table.name)] == [c.name for c in table.columns], table.name


# -- opening -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url, code", [
    ("notaurl", "store.bad-url"), ("foo://x/y", "store.bad-url"),
    ("postgresql+psycopg://u:secret@127.0.0.1:1/db", "store.unavailable")])
def test_a_bad_or_unreachable_url_is_a_coded_error(url, code, tmp_path):
    start = time.monotonic()
    with pytest.raises(StoreError) as error:
        Store(url, tmp_path / "o")
    assert error.value.code == code and "secret" not in error.value.message
    assert time.monotonic() - start < 30


def test_an_owner_url_for_another_database_is_refused(tmp_path):
    with pytest.raises(StoreError) as error:
        Store(f"sqlite:///{tmp_path}/a.db", tmp_path / "o", owner=f"sqlite:///{tmp_path}/b.db")
    assert error.value.code == "store.bad-url" and not (tmp_path / "b.db").exists()


def test_a_store_that_is_not_there_is_not_created_when_told(tmp_path):
    with pytest.raises(StoreError) as error:
        Store(f"sqlite:///{tmp_path}/typo/formkit.db", tmp_path / "o", create=False)
    assert error.value.code == "store.not-found" and not (tmp_path / "typo").exists()
    (tmp_path / "empty.db").write_bytes(b"")
    with pytest.raises(StoreError) as error:
        Store(f"sqlite:///{tmp_path}/empty.db", tmp_path / "o", create=False)
    assert error.value.code == "store.not-found"
    with Store(f"sqlite:///{tmp_path}/new/formkit.db", tmp_path / "o") as store:
        store.record_issued([])
    with Store(f"sqlite:///{tmp_path}/new/formkit.db", tmp_path / "o", create=False) as store:
        assert [e["event"] for e in store.audit_events()] == ["issued"]
        with store.engine.connect() as conn:
            stored = conn.execute(select(schema.audit.c.hash)).scalar()
        assert stored == store.audit_head() != GENESIS


# -- heads written into the manifests ---------------------------------------------------------------------------------
def test_issue_and_dossier_manifests_carry_the_audit_head(stocked, sample_roster, tmp_path):
    from formkit.dossier import MANIFEST, build_dossier
    from formkit.forms.cycle import cycle
    from formkit.intake.issued import record_issued
    from formkit.issue import issue_forms

    results = issue_forms(sample_roster, YEAR, tmp_path / "issued", forms=["self-assessment"], created=FIXED)
    record_issued(stocked, results, YEAR, tmp_path / "issued" / "manifest.csv")
    last = stocked.audit_events()[-1]
    assert last["event"] == "issued"  # the head published covers the issue it lists
    out, _ = build_dossier(stocked, cycle(YEAR), tmp_path / "dossier" / "dossier.docx")
    manifests = [tmp_path / "issued" / "manifest.csv", out.parent / MANIFEST]
    assert [heads_in(m) for m in manifests] == [[last["hash"]], [last["hash"]]]
    assert stocked.verify(manifests)["audit"] == []
    with stocked.engine.begin() as conn:
        unguarded(conn)
        conn.execute(text("UPDATE audit_log SET detail = NULL WHERE id = 1"))
        rechain(conn)
    assert [p["code"] for p in stocked.verify(manifests)["audit"]] == ["audit.head-mismatch"] * 2


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("command, options", [(["issue"], ["--form", "self-assessment"]),
                                              (["review", "sheets"], ["--reviewers", 1])])
def test_a_manifest_head_covers_what_it_lists(command, options, tmp_path):
    """On a fresh store the manifest's head is that of the ``issued`` event, not the empty log's: deleting
    the log and the issued rows afterwards (the delete trigger dropped, as anyone with the file could) makes
    ``verify --manifest`` exit 1. A manifest carrying the empty log's head proves nothing and is reported."""
    url, out = f"sqlite:///{tmp_path}/formkit.db", tmp_path / "issued"
    issued = cli(*command, "--roster", samples_dir() / "roster", "--year", YEAR, "--out", out, "--db", url, *options)
    assert issued.exit_code == 0, issued.output
    manifest = out / "manifest.csv"
    with Store(url) as store:
        events = store.audit_events()  # the issue, then the recipients' desk links it made
        event = events[0]
        assert event["event"] == "issued" and event["detail"]["documents"] == len(store.issued(YEAR)) > 0
        assert all(e["event"].startswith("desk:") for e in events[1:])
    assert heads_in(manifest) == [event["hash"]]
    assert cli("verify", "--db", url, "--manifest", manifest).exit_code == 0
    sqlite_exec(url, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log", "DELETE FROM issued")
    verified = cli("verify", "--db", url, "--manifest", manifest)
    assert verified.exit_code == 1 and "[audit.head-mismatch]" in verified.output
    stale = tmp_path / "old-manifest.csv"  # what formkit wrote before: the head stamped before recording
    stale.write_text(manifest.read_text(encoding="utf-8-sig").replace(event["hash"], GENESIS), encoding="utf-8-sig")
    with Store(url) as store:
        assert codes(store.verify([stale])["audit"]) == [("audit.empty-head", str(stale))]


def test_migrate_says_what_it_did(store_url, tmp_path):
    from formkit.store import upgrade_v5
    from formkit.store.migrations import _migrations

    created = cli("migrate", "--db", store_url)
    assert created.exit_code == 0 and f"已建立数据库结构（第 {MIGRATIONS[-1][0]} 版）" in created.output, created.output
    again = cli("migrate", "--db", store_url)
    assert again.exit_code == 0 and "无需升级" in again.output
    engine = create_engine(store_url)  # a store from before the hash chain (4), the recipient columns (5), acts (6),
    with engine.begin() as conn:  # attachments (7), the web desk (8), lz4 records (9)
        conn.execute(_migrations.delete().where(_migrations.c.version.in_([4, 5, 6, 7, 8, 9])))
        conn.execute(text("DROP TABLE later_findings"))
        conn.execute(text("DROP TABLE review_acts"))
        conn.execute(text("DROP TABLE attachments"))
        for table in ("desk_sessions", "desk_accounts", "desk_links", "desk_logins"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("DROP INDEX ix_submissions_unit"))
        for table, columns in upgrade_v5.COLUMNS.items():
            for column in columns:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}"))
        conn.execute(text("DROP TRIGGER audit_log_insert" if conn.dialect.name == "sqlite" else
                          "DROP TRIGGER audit_log_chain ON audit_log; DROP TRIGGER audit_log_no_truncate ON audit_log"))
        conn.execute(text("ALTER TABLE audit_log DROP COLUMN hash"))
        conn.execute(text("ALTER TABLE audit_log DROP COLUMN prev_hash"))
    engine.dispose()
    upgraded = cli("migrate", "--db", store_url)
    assert MIGRATIONS[-1][0] == 9
    assert upgraded.exit_code == 0 and "升级到第 9 版（本次应用第 4、5、6、7、8、9 版）" in upgraded.output, upgraded.output
