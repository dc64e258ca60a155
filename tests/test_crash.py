"""Crash safety and concurrency: an 1,800-file ingest killed with SIGKILL at random moments and run again
stores every file exactly once with a consistent audit log; two ingests at once lose nothing. On SQLite
and on PostgreSQL."""

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter

import pytest
from fixtures.store import stored_rows

from formkit.store import Store


def variants(filled_forms, folder, count):
    """``count`` distinct files (different bytes, same content): the recipients' forms, each saved again
    with another zip comment, as a clerk's repeated downloads would be."""
    folder.mkdir()
    sources = list(filled_forms.values())
    for i in range(count):
        src = sources[i % len(sources)]
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(folder / f"{i:04d}-{src.name}", "w") as zout:
            for info in zin.infolist():
                zout.writestr(info, zin.read(info))
            zout.comment = f"copy {i}".encode()
    return sorted(folder.iterdir())


def run_ingest(url, originals, folder, capture=True):
    env = {**os.environ, "FORMKIT_DB": url, "FORMKIT_ORIGINALS": str(originals)}
    return subprocess.Popen([sys.executable, "-m", "formkit", "ingest", str(folder)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if capture else subprocess.DEVNULL,
                            text=True, start_new_session=True)


def check_consistent(url, originals, files):
    import hashlib

    with Store(url, originals) as store:  # closed whatever an assertion says
        rows = stored_rows(store)
        shas = [r["sha256"] for r in rows]
        assert len(shas) == len(set(shas)) == len(files)
        assert set(shas) == {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
        events = store.audit_events()
        firsts = Counter(e["submission_id"] for e in events if e["event"] in ("ingested", "rejected"))
        assert all(firsts[r["id"]] == 1 for r in rows), "every submission has exactly one intake event"
        assert set(firsts) == {r["id"] for r in rows}
        assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}
        chain: dict = {}
        for r in rows:  # versions of one recipient form a chain, oldest first
            if r["recipient_id"] and r["outcome"] in ("accepted", "accepted-with-warnings"):
                key = (r["form"], r["year"], r["recipient_id"])
                assert r["supersedes"] == chain.get(key), r["id"]
                chain[key] = r["id"]
    return rows, events


@pytest.mark.slow
def test_sigkill_at_random_moments_then_again(store_url, filled_forms, tmp_path):
    # enough files that every run is still reading when it is killed, 1–3 s after it starts (900 took under 3 s
    # once reading was fast)
    files = variants(filled_forms, tmp_path / "in", 1800)
    originals = tmp_path / "originals"
    seed = int(time.time())
    rng = random.Random(seed)
    kills = 0
    for _ in range(6):  # each run goes further (what was committed is a duplicate next time), until 4 kills
        proc = run_ingest(store_url, originals, tmp_path / "in", capture=False)
        time.sleep(rng.uniform(1.0, 3.0))  # after start-up: while files are read, stored and committed
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the ingest and its reading worker, at once
            kills += 1
        proc.wait()
        if kills == 4:
            break
    final = run_ingest(store_url, originals, tmp_path / "in")
    _out, err = final.communicate(timeout=900)
    assert final.returncode in (0, 1), err[-2000:]
    assert "Traceback" not in err
    assert kills >= 2, f"seed {seed}"
    check_consistent(store_url, originals, files)


@pytest.mark.slow
def test_two_ingests_at_once_lose_nothing(store_url, filled_forms, tmp_path):
    files = variants(filled_forms, tmp_path / "in", 200)
    originals = tmp_path / "originals"
    Store(store_url, originals).close()  # create the schema first, as a deployment would
    procs = [run_ingest(store_url, originals, tmp_path / "in") for _ in range(2)]
    for proc in procs:
        _out, err = proc.communicate(timeout=900)
        assert proc.returncode in (0, 1), err[-2000:]
        assert "Traceback" not in err
    rows, events = check_consistent(store_url, originals, files)
    assert Counter(e["event"] for e in events)["duplicate"] == len(files)
