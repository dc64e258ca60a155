"""Originals kept without their rows — an ingest killed after its originals were made durable and before their
group committed — are reconciled, never lost: the same bytes ingested again get their row under their real
name; whatever is still without a row at the end of an ingest (or at ``formkit verify --reconcile``) is read
from the store and recorded under its place there; ``verify`` lists them until then; while another ingest
runs, nothing is adopted (its originals may be waiting for their rows). On SQLite and PostgreSQL."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap

from click.testing import CliRunner
from fixtures.store import stored_rows

from formkit.cli import main
from formkit.intake.ingest import adopt, ingest
from formkit.store import Store

READABLE = ("accepted", "accepted-with-warnings")
CLEAN = {"missing": [], "corrupt": [], "orphaned": [], "audit": []}


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_of(filled_forms, folder, *ids):
    folder.mkdir()
    for rid in ids:
        (folder / filled_forms[rid].name).write_bytes(filled_forms[rid].read_bytes())
    return folder


def test_an_original_without_a_row_gets_it_when_its_file_comes_again(store, filled_forms, tmp_path):
    """The crash point exactly: the original is on disk (ObjectStore.put, as a group writes it), its row never
    committed. The next ingest of the folder records it under the name it arrived with."""
    folder = folder_of(filled_forms, tmp_path / "in", "U001", "U002")
    left = store.objects.put((folder / filled_forms["U001"].name).read_bytes())
    assert store.verify()["orphaned"] == [left] and stored_rows(store) == []
    results = list(ingest([folder], store))
    assert [r.outcome in READABLE and not r.duplicate for r in results] == [True, True], results
    row = next(r for r in stored_rows(store) if r["sha256"] == left)
    assert row["file_name"].endswith(filled_forms["U001"].name)
    assert store.verify() == CLEAN


def test_an_original_left_without_a_row_is_adopted_at_the_end_of_the_next_ingest(store, filled_forms, tmp_path):
    folder = folder_of(filled_forms, tmp_path / "in", "U001")
    left = store.objects.put(filled_forms["U003"].read_bytes())  # its file is not in the next batch
    temp = store.objects.path(left).parent / ".tmp-unfinished"  # a write killed halfway
    temp.write_bytes(b"half")
    results = list(ingest([folder], store))
    assert [r.sha256 for r in results] == [sha(filled_forms["U001"]), left]
    adopted = results[1]
    assert adopted.outcome in READABLE and adopted.recipient and adopted.submission
    assert adopted.file == str(store.objects.path(left))  # where it is kept: its mailed name was never recorded
    assert store.submissions()[-1].form == "self-assessment" and store.submissions()[-1].recipient.id == "U003"
    assert [e["event"] for e in store.audit_events() if e["submission_id"] == adopted.submission] == ["ingested"]
    assert not temp.exists()
    assert store.verify() == CLEAN
    assert list(ingest([folder], store))[0].duplicate  # nothing left to adopt the next time


def test_nothing_is_adopted_while_another_process_may_be_storing(store, filled_forms, tmp_path):
    left = store.objects.put(filled_forms["U002"].read_bytes())
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from formkit.store.objects import ObjectStore
        with ObjectStore({str(store.objects.root)!r}).in_use():
            print("holding", flush=True)
            sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert adopt(store) is None  # its originals may be about to get their rows
        assert list(ingest([], store)) == []
        assert store.verify()["orphaned"] == [left]
    finally:
        holder.communicate("", timeout=30)
    assert [r.sha256 for r in adopt(store)] == [left]
    assert store.verify() == CLEAN


def test_verify_reconcile_adopts_what_verify_lists(store_url, filled_forms, tmp_path):
    originals = tmp_path / "originals"
    with Store(store_url, originals) as store:
        left = store.objects.put(filled_forms["U004"].read_bytes())
    env = {"FORMKIT_ORIGINALS": str(originals)}
    listed = CliRunner().invoke(main, ["verify", "--db", store_url], env=env)
    assert listed.exit_code == 0 and "无记录 1（下次收取时补登，或运行 formkit verify --reconcile）" in listed.output
    fixed = CliRunner().invoke(main, ["verify", "--db", store_url, "--reconcile", "--json"], env=env)
    report = json.loads(fixed.output)
    assert fixed.exit_code == 0 and report["orphaned"] == [] and report["submissions"] == 1
    assert [(a["sha256"], a["outcome"] in READABLE) for a in report["adopted"]] == [(left, True)]


def test_sigkill_after_the_originals_are_durable_and_before_their_rows_commit(store_url, filled_forms, tmp_path):
    """An ingest killed at the precise point: its group's originals fsynced (Writing.settle), the commit not
    made. Nothing of the group is in the database, every original is on disk; the next ingest reconciles."""
    folder = folder_of(filled_forms, tmp_path / "in", "U001", "U002", "U003-621131")
    originals = tmp_path / "originals"
    Store(store_url, originals).close()
    script = textwrap.dedent(f"""
        import os, signal
        from formkit.intake.ingest import ingest
        from formkit.store import Store
        from formkit.store.writing import Writing
        settle = Writing.settle
        def settle_then_die(self):
            settle(self)
            os.kill(os.getpid(), signal.SIGKILL)
        Writing.settle = settle_then_die
        list(ingest([{str(folder)!r}], Store({store_url!r}, {str(originals)!r})))
        """)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    files = sorted(folder.iterdir())
    with Store(store_url, originals) as store:
        assert stored_rows(store) == [] and store.audit_events() == []
        assert store.verify()["orphaned"] == sorted(sha(f) for f in files)
        results = list(ingest([folder], store))
        assert [(r.outcome in READABLE, r.duplicate) for r in results] == [(True, False)] * 3, results
        assert sorted(os.path.basename(r["file_name"]) for r in stored_rows(store)) == [f.name for f in files]
        assert store.verify() == CLEAN
