"""Isolation: every child process (the reading worker, its PDF parser, LibreOffice) is killed whole on timeout
and dies with formkit; a worker that failed is never reused; a transient outcome is retried once in a fresh
worker; `formkit read` reads every file isolated and refuses what is not a regular file, without hanging."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import YEAR, need_soffice
from fixtures.isolation import big_table_docx, descendants, running, slow_pdf

from formkit import isolate
from formkit.errors import FormkitError
from formkit.intake.batch import read_many
from formkit.intake.worker import read_isolated, worker_for
from formkit.limits import DEFAULT
from formkit.read import ReadResult

READ_OK = ("accepted", "accepted-with-warnings")


def small_memory(**changes):
    """Limits of 200 MB beyond what a worker inherits from this process (definitions warmed up here first, as
    a worker's parent does): plenty for any genuine form (the PDF path's libraries included), far too little
    for the big table."""
    from formkit.pipeline import warm_up

    warm_up(YEAR)
    return replace(DEFAULT, memory_mb=200, **changes)


def formkit(*args, env=None, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "formkit", *map(str, args)], env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@contextlib.contextmanager
def killed_at_the_end(proc):
    """Whatever the test found, nothing it started outlives it."""
    try:
        yield proc
    finally:
        tree = descendants(proc.pid)
        proc.kill()
        proc.communicate()
        for pid, _start in running(tree):
            os.kill(pid, signal.SIGKILL)


def wait_for(predicate, seconds, what):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {seconds} s")


def gone_after_kill(proc, tree):
    """SIGKILL formkit alone (as the system's OOM killer or `kill -9` would) and see its tree go."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    end = time.monotonic() + 10
    while running(tree) and time.monotonic() < end:
        time.sleep(0.1)
    return {p: tree[p] for p in running(tree)}


# -- the helper itself ------------------------------------------------------------------------------------

def _sleep_with_grandchild(seconds, note):
    pid = os.fork()
    if pid == 0:  # a grandchild in the child's process group
        time.sleep(seconds)
        os._exit(0)
    note.write_text(str(pid))
    time.sleep(seconds)


def _eat_memory():
    hog = []
    while True:
        hog.append(bytearray(10 << 20))


def test_a_forked_call_is_limited_in_time_and_memory_with_its_whole_group(tmp_path):
    note = tmp_path / "grandchild"
    start = time.monotonic()
    with pytest.raises(isolate.Timeout):
        isolate.call(_sleep_with_grandchild, 30, note, seconds=1)
    assert time.monotonic() - start < 5
    grandchild = int(note.read_text())  # killed with its group; SIGKILL lands within moments, not at once
    wait_for(lambda: not alive(grandchild), 5, "the grandchild's death")
    with pytest.raises(isolate.OutOfMemory):
        isolate.call(_eat_memory, seconds=30, memory_mb=200)
    with pytest.raises(isolate.Crashed):
        isolate.call(int, "not a number", seconds=30)
    assert isolate.call(sum, [1, 2, 3], seconds=30) == 6


def test_an_outside_program_is_killed_whole_on_timeout_and_leaves_nothing_running():
    with pytest.raises(subprocess.TimeoutExpired) as timed_out:
        isolate.run(["sh", "-c", "sleep 60 & echo $!; wait"], 1, capture_output=True, text=True)
    assert not alive(int(timed_out.value.stdout.split()[0]))
    done = isolate.run(["sh", "-c", "sleep 60 & echo $!"], 30, capture_output=True, text=True)
    assert done.returncode == 0
    assert not alive(int(done.stdout.split()[0]))  # the program exited; what it left in its group did not survive


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_an_outside_program_and_its_grandchildren_die_with_formkit():
    code = "from formkit import isolate; isolate.run(['sh', '-c', 'sleep 60 & sleep 60'], 100)"
    with killed_at_the_end(subprocess.Popen([sys.executable, "-c", code])) as proc:
        tree = wait_for(lambda: (d := descendants(proc.pid)) and [n for n, _g in d.values()].count("sleep") == 2 and d,
                        30, "two sleeps under the guard")
        assert gone_after_kill(proc, tree) == {}


# -- the reading worker -----------------------------------------------------------------------------------

def reader_failing_on(monkeypatch, name: str, error: BaseException, note: Path | None = None):
    """The reader of the workers forked from now on (they inherit it) raises ``error`` for the file ``name``,
    writing a line to ``note`` each time it reads that file; returns the worker module."""
    import formkit.intake.worker as worker

    real = worker.read_document

    def failing(data, file, *args):
        if file == name:
            if note is not None:
                with open(note, "a") as fh:
                    fh.write("read\n")
            raise error
        return real(data, file, *args)

    monkeypatch.setattr(worker, "read_document", failing)
    return worker


@pytest.mark.slow
@pytest.mark.fresh_process
def test_a_valid_file_right_after_an_out_of_memory_one_is_accepted_at_the_first_attempt(filled_forms):
    hog = big_table_docx(filled_forms["U001"].read_bytes(), 60_000)
    good = filled_forms["U002"].read_bytes()
    small = small_memory()
    pids = set()
    for _ in range(4):  # the old worker lost the file after an out-of-memory one about half the time
        oom = read_isolated(hog, "hog.docx", YEAR, small)
        assert (oom.outcome, oom.code) == ("out-of-memory", "intake.out-of-memory")
        assert oom.extra["attempts"] == 2  # transient: tried once more in a fresh worker
        read = read_isolated(good, "good.docx", YEAR, small)
        assert read.outcome in READ_OK, (read.outcome, read.code, read.message)
        assert read.extra["attempts"] == 1
        assert read.result.recipient["id"] == "U002"
        pids.add(worker_for(small).proc.pid)
    assert len(pids) == 4  # never the worker that failed


@pytest.mark.slow
def test_a_transient_outcome_is_retried_once_in_a_fresh_worker(filled_forms):
    limits = replace(DEFAULT, seconds=1.0)
    slow = slow_pdf(60)  # seconds of parsing even on a fast machine
    starts = worker_for(limits).starts
    before = time.monotonic()
    outcome = read_isolated(slow, "slow.pdf", YEAR, limits)
    elapsed = time.monotonic() - before
    assert (outcome.outcome, outcome.code) == ("timeout", "intake.timeout")
    assert outcome.extra["attempts"] == 2 and outcome.extra["first"]["outcome"] == "timeout"
    assert worker_for(limits).starts - starts == 2
    assert 2.0 <= elapsed < 30
    good = read_isolated(filled_forms["U003"].read_bytes(), "good.docx", YEAR, limits)
    assert good.outcome in READ_OK and good.extra["attempts"] == 1
    assert worker_for(limits).starts - starts == 3


def test_a_worker_whose_reader_failed_is_never_reused(filled_forms, monkeypatch):
    reader_failing_on(monkeypatch, "boom.docx", KeyError("a reader bug"))
    limits = replace(DEFAULT, seconds=59.0)
    good = filled_forms["U004"].read_bytes()
    first = read_isolated(good, "good.docx", YEAR, limits)
    pid = worker_for(limits).proc.pid
    crashed = read_isolated(good, "boom.docx", YEAR, limits)
    assert (crashed.outcome, crashed.extra["attempts"]) == ("crashed", 2)
    assert "KeyError" in crashed.message
    after = read_isolated(good, "good.docx", YEAR, limits)
    assert first.outcome in READ_OK and after.outcome in READ_OK and after.extra["attempts"] == 1
    assert worker_for(limits).proc.pid != pid
    assert not alive(pid)


def test_the_file_sent_ahead_is_read_in_its_turn_even_after_the_file_before_it_crashed_the_worker(filled_forms,
                                                                                                   monkeypatch):
    """A worker is sent the next file while it reads one (``Worker.read``'s ``ahead``): when the file before
    takes the worker down, the one sent ahead is read by the fresh worker, at its first attempt; a file sent
    ahead and never asked for is never answered in place of another."""
    worker = reader_failing_on(monkeypatch, "boom.docx", KeyError("a reader bug"))
    limits = replace(DEFAULT, seconds=57.0)
    good = [worker.Request(filled_forms[u].read_bytes(), f"{u}.docx", YEAR, limits) for u in ("U004", "U005")]
    boom = worker.Request(filled_forms["U006"].read_bytes(), "boom.docx", YEAR, limits)
    crashed = worker.read_request(boom, ahead=good[0])
    assert (crashed.outcome, crashed.extra["attempts"]) == ("crashed", 2)
    first = worker.read_request(good[0], ahead=good[1])
    assert first.outcome in READ_OK and first.extra["attempts"] == 1 and first.result.recipient["id"] == "U004"
    assert worker_for(limits).ahead is good[1]  # sent while U004 was read
    other = worker.read_request(worker.Request(filled_forms["U007"].read_bytes(), "U007.docx", YEAR, limits))
    assert other.outcome in READ_OK and other.result.recipient["id"] == "U007"  # not U005's answer
    again = worker.read_request(good[1])
    assert again.outcome in READ_OK and again.result.recipient["id"] == "U005"
    assert 0 < worker_for(limits).room <= worker.AHEAD_BYTES
    big = worker.Request(b"x" * worker_for(limits).room, "big.docx", YEAR, limits)
    worker.read_request(good[0], ahead=big)
    assert worker_for(limits).ahead is None  # never more than the pipe takes without waiting


def test_a_file_sent_ahead_that_ends_the_worker_is_read_once_and_answered_by_that_worker(filled_forms, tmp_path,
                                                                                          monkeypatch):
    """The worker reads the file sent ahead before it is asked for; when that file ends the worker (a
    document nested too deep), its answer is the one already written, not a second reading."""
    reads = tmp_path / "reads"
    worker = reader_failing_on(monkeypatch, "deep.docx", RecursionError("maximum recursion depth exceeded"), reads)
    limits = replace(DEFAULT, seconds=56.0)
    good = worker.Request(filled_forms["U004"].read_bytes(), "good.docx", YEAR, limits)
    bad = worker.Request(filled_forms["U005"].read_bytes(), "deep.docx", YEAR, limits)
    first = worker.read_request(good, ahead=bad)
    assert first.outcome in READ_OK and worker_for(limits).ahead is bad
    wait_for(lambda: reads.exists(), 30, "the file sent ahead read")
    answer = worker.read_request(bad)
    assert (answer.outcome, answer.code, answer.extra["attempts"]) == ("rejected", "read.too-deep", 1)
    assert reads.read_text() == "read\n"


def test_read_many_reads_alike_with_one_worker_or_two(filled_forms, monkeypatch):
    paths = [filled_forms[u] for u in ("U001", "U002", "U003", "U004", "U005")] + [Path("/nonexistent.docx")]
    runs = {}
    for readers in ("1", "2"):
        monkeypatch.setenv("FORMKIT_READERS", readers)
        runs[readers] = [(p, r.as_dict() if isinstance(r, ReadResult) else r.code)
                         for p, r in read_many(paths, year=YEAR)]
    assert runs["1"] == runs["2"]
    assert [p for p, _r in runs["2"]] == paths and runs["2"][-1][1] == "read.cannot-open"
    assert [r["recipient"]["id"] for _p, r in runs["2"][:-1]] == ["U001", "U002", "U003", "U004", "U005"]


def test_a_library_that_cannot_load_under_the_memory_limit_is_out_of_memory_not_a_crash(filled_forms, monkeypatch):
    """The scan path loads its OCR and PDF renderer on first use; under the worker's address-space limit the
    loader fails with "failed to map segment": the file is reported as over the memory limit."""
    import formkit.intake.worker as worker

    def unloadable(data, name, *args):
        raise ImportError("libpdfium.so: failed to map segment from shared object")

    monkeypatch.setattr(worker, "read_document", unloadable)  # the workers forked from now on inherit it
    limits = replace(DEFAULT, seconds=58.0)  # limits no earlier test used: a worker forked after the patch
    result = read_isolated(filled_forms["U004"].read_bytes(), "scan.pdf", YEAR, limits)
    assert (result.outcome, result.code) == ("out-of-memory", "intake.out-of-memory")
    assert f"{limits.memory_mb} MB" in result.message


@pytest.mark.slow
@pytest.mark.fresh_process
def test_read_many_gives_the_hanging_and_the_memory_eating_file_a_code_and_reads_the_rest(filled_forms, tmp_path):
    limits = small_memory(seconds=4.0)  # time for the memory eater to reach its limit on a busy machine
    (tmp_path / "hang.pdf").write_bytes(slow_pdf(80))
    (tmp_path / "hog.docx").write_bytes(big_table_docx(filled_forms["U001"].read_bytes(), 60_000))
    paths = [filled_forms["U005"], tmp_path / "hang.pdf", filled_forms["U006"], tmp_path / "hog.docx",
             filled_forms["U007"]]
    results = list(read_many(paths, year=YEAR, limits=limits))
    assert [p for p, _r in results] == paths
    by_name = {p.name: r for p, r in results}
    assert by_name["hang.pdf"].code == "read.timeout" and isinstance(by_name["hang.pdf"], FormkitError)
    assert by_name["hog.docx"].code == "read.out-of-memory"
    good = [r for p, r in results if p.suffix == ".docx" and p.name != "hog.docx"]
    assert [type(r) for r in good] == [ReadResult] * 3
    assert [r.recipient["id"] for r in good] == ["U005", "U006", "U007"]


# -- formkit read on the command line ---------------------------------------------------------------------

def test_formkit_read_refuses_what_is_not_a_regular_file_and_prints_every_good_file(filled_forms, tmp_path):
    fifo = tmp_path / "pipe.docx"
    os.mkfifo(fifo)  # opened blocking, a FIFO with no writer would hang the read for good
    big = tmp_path / "big.docx"
    with open(big, "wb") as fh:
        fh.truncate(DEFAULT.max_bytes + 1)
    folder = tmp_path / "folder.docx"
    folder.mkdir()
    goods = [filled_forms["U008"], filled_forms["U009"]]
    args = [goods[0], fifo, big, "/dev/null", folder, goods[1]]
    proc = formkit("read", "--json", *args)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    rows = {row["file"]: row for row in map(json.loads, out.splitlines())}
    assert set(rows) == set(map(str, args))
    for path in goods:
        assert rows[str(path)]["recipient"]["id"] == path.name.split("_")[0]
    for path in (fifo, "/dev/null", folder):
        assert rows[str(path)]["error"]["code"] == "read.not-a-file"
        assert rows[str(path)]["error"]["message"] == "不是普通文件，未读取"
    assert rows[str(big)]["error"]["code"] == "read.too-large"


# -- SIGKILL of formkit leaves nothing behind -------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_sigkill_of_ingest_while_reading_leaves_no_process_behind(store_url, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):  # valid PDFs within the limits that keep the reader (and its PDF child) busy
        (folder / f"slow-{i}.pdf").write_bytes(slow_pdf(40, comment=f"copy {i}"))
    env = {"FORMKIT_DB": store_url, "FORMKIT_ORIGINALS": str(tmp_path / "orig")}
    with killed_at_the_end(formkit("ingest", folder, env=env)) as proc:
        tree = wait_for(lambda: (d := descendants(proc.pid)) and max(g for _n, g in d.values()) >= 2 and d, 90,
                        "the reading worker and its PDF child")
        assert gone_after_kill(proc, tree) == {}


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_sigkill_of_dossier_pdf_during_conversion_leaves_no_libreoffice_behind(stocked, store_url, tmp_path):
    need_soffice()
    out = tmp_path / "d" / "dossier.docx"
    with killed_at_the_end(formkit("dossier", "--year", YEAR, "--out", out, "--pdf", "--db", store_url)) as proc:
        tree = wait_for(lambda: (d := descendants(proc.pid)) and "soffice.bin" in [n for n, _g in d.values()] and d,
                        180, "LibreOffice converting the dossier")
        assert gone_after_kill(proc, tree) == {}


def _answers_soon(conn) -> None:
    time.sleep(0.1)
    conn.send("读完了")


def test_a_child_is_waited_for_within_its_budget_however_long_that_budget_is():
    """A budget longer than poll() can wait (about 24.8 days) waits as long as it can, never overflows; a
    budget that runs out stops the child with a Timeout."""
    child = isolate.Child(_answers_soon)
    try:
        assert child.receive(1e12) == "读完了"
    finally:
        child.stop()
    child = isolate.Child(_answers_soon)
    with pytest.raises(isolate.Timeout):
        child.receive(0.01)
    assert not child.is_alive()
