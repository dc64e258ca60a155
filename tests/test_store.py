"""The submission store, on SQLite and on PostgreSQL: originals once by sha256, versions, rejections,
append-only audit, recorded migrations, verification."""

import pytest
from conftest import YEAR, need_pg, pg_database
from sqlalchemy import text

from formkit.forms import load_form
from formkit.intake.ingest import ingest_one
from formkit.pipeline import read_file
from formkit.store import Store
from formkit.store.migrations import MIGRATIONS, current_version


def events(store, name=None):
    return [e for e in store.audit_events() if name is None or e["event"] == name]


def test_same_bytes_twice_is_one_submission(store, filled_forms):
    first = ingest_one(filled_forms["U001"], store)
    again = ingest_one(filled_forms["U001"], store)
    assert first.outcome in ("accepted", "accepted-with-warnings") and not first.duplicate
    assert again.duplicate and again.submission == first.submission
    assert len(store.submissions()) == 1
    assert [e["event"] for e in store.audit_events()] == ["ingested", "duplicate"]
    assert store.objects.get(first.sha256) == filled_forms["U001"].read_bytes()


def test_a_new_version_supersedes_and_both_stay(store, filled_forms, tmp_path):
    old = ingest_one(filled_forms["U002"], store)
    import zipfile

    newer = tmp_path / "U002-v2.docx"
    with zipfile.ZipFile(filled_forms["U002"]) as src, zipfile.ZipFile(newer, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.comment = b"second version"
    new = ingest_one(newer, store)
    assert new.submission != old.submission and not new.duplicate
    rows = {r.id: r for r in store.submissions()}
    assert rows[new.submission].supersedes == old.submission
    assert store.current(2026)[("self-assessment", "U002")].id == new.submission
    assert len(rows) == 2
    assert [e["submission_id"] for e in events(store, "superseded")] == [old.submission]


def test_rejections_are_kept_with_their_original(store, tmp_path):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = ingest_one(bad, store)
    assert result.outcome == "rejected" and result.code == "docx.corrupt" and result.submission
    row = store.submissions()[0]
    assert row.code == "docx.corrupt" and "损坏" in row.message
    assert store.objects.get(row.sha256) == bad.read_bytes()
    assert events(store, "rejected")[0]["submission_id"] == row.id


def test_every_record_names_its_reader_and_form_version(store, filled_forms):
    ingest_one(filled_forms["U003-621131"], store)
    row = store.submissions()[0]
    assert row.reader.startswith("formkit/") and row.form_version == load_form("county-feedback", YEAR).version
    assert row.record.reader.startswith("formkit-read/")
    assert row.form == "county-feedback" and row.recipient.id == "U003-621131"


def test_audit_log_is_append_only(store, filled_forms):
    ingest_one(filled_forms["U001"], store)
    for statement in ("UPDATE audit_log SET event = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(text(statement))
    assert len(store.audit_events()) == 1


def test_migrations_are_recorded_and_applied_once(store_url, tmp_path):
    from formkit.store.migrations import migrate

    with Store(store_url, tmp_path / "o") as first:
        assert current_version(first.engine) == MIGRATIONS[-1][0]
        with first.engine.connect() as conn:
            names = [r[0] for r in conn.execute(text("SELECT name FROM formkit_migrations ORDER BY version"))]
    assert names == [m[1] for m in MIGRATIONS]
    with Store(store_url, tmp_path / "o") as second:
        assert migrate(second.engine) == []


@pytest.fixture
def pg_url():
    yield from pg_database(need_pg())


@pytest.mark.postgres
def test_records_are_compressed_with_lz4_on_postgresql(pg_url, filled_forms, tmp_path):
    """Migration 9: a record (about 8 KB of JSON) is stored compressed with lz4 where the server has it (the
    PostgreSQL CI installs does), and reads back as the reader returned it."""
    with Store(pg_url, tmp_path / "o") as store:
        stored = ingest_one(filled_forms["U001"], store)
        with store.engine.connect() as conn:
            column = conn.execute(text("SELECT attcompression FROM pg_attribute WHERE attrelid = "
                                       "'submissions'::regclass AND attname = 'record'")).scalar()
            used = conn.execute(text("SELECT pg_column_compression(record) FROM submissions")).scalar()
        assert (column, used) == ("l", "lz4")
        row = store.submissions()[0]
        assert row.sha256 == stored.sha256 and row.record.values == read_file(filled_forms["U001"]).as_dict()["values"]


def test_bytes_another_writer_stored_meanwhile_are_a_duplicate(store, filled_forms):
    """A writer that found no submission of its bytes a moment ago (``fresh``) while another stored them: the
    database refuses the second row (the unique sha256, an IntegrityError on SQLite and PostgreSQL alike) and
    the file is recorded as a duplicate of the first, not as a failure."""
    first = ingest_one(filled_forms["U001"], store)
    data = filled_forms["U001"].read_bytes()
    again = store.add(data, {"file_name": "again.docx", "outcome": "rejected", "code": "x", "reader": "test"},
                      fresh=True)
    assert (again.id, again.duplicate, again.sha256) == (first.submission, True, first.sha256)
    assert [e["event"] for e in events(store)] == ["ingested", "duplicate"] and len(store.submissions()) == 1


def test_verify_finds_missing_corrupt_and_orphaned_originals(store, filled_forms):
    a = ingest_one(filled_forms["U001"], store)
    b = ingest_one(filled_forms["U002"], store)
    ingest_one(filled_forms["U003"], store)
    assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}
    store.objects.path(a.sha256).unlink()
    path = store.objects.path(b.sha256)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    orphan = store.objects.put(b"a file no submission refers to")
    problems = store.verify()
    assert [p["id"] for p in problems["missing"]] == [a.submission]
    assert [p["id"] for p in problems["corrupt"]] == [b.submission]
    assert problems["orphaned"] == [orphan]


def test_a_database_without_returning_stores_the_same(store, filled_forms, monkeypatch, tmp_path):
    """SQLite before 3.35 has no RETURNING: the row is read back by its id instead; what is stored, and what
    the audit log records of it, is the same."""
    from formkit.intake.ingest import ingest

    monkeypatch.setattr(store.engine.dialect, "insert_returning", False)
    folder = tmp_path / "in"
    folder.mkdir()
    for name, rid in (("a.docx", "U001"), ("b.docx", "U002"), ("c.docx", "U001")):
        (folder / name).write_bytes(filled_forms[rid].read_bytes())
    results = list(ingest([folder], store))
    assert [(r.outcome, r.duplicate) for r in results] == [("accepted", False), ("accepted", False), ("accepted", True)]
    assert [e["event"] for e in store.audit_events()] == ["ingested", "ingested", "duplicate"]
    assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}
