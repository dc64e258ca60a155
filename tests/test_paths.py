"""What intake opens: only regular files, and below a folder only those that stay inside it (a FIFO, a socket,
a device or a symlink leading out is refused with a code, never opened or stored; a FIFO named on the
command line does not hang); file names whose bytes are not UTF-8 are stored and shown readable. On SQLite
and PostgreSQL."""

import hashlib
import json
import os
import signal
from pathlib import Path

import pytest
from fixtures.store import GBK_NAME, gbk_named, odd_entries, stored_rows, undecodable_named

from formkit.intake.ingest import expand, ingest

READABLE = ("accepted", "accepted-with-warnings")


@pytest.fixture
def no_hang():
    """Fail (rather than hang the suite) if ingest blocks on something it opened."""
    def _alarm(*_):
        raise TimeoutError("ingest hung")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_only_regular_files_inside_the_folder_are_read(store, filled_forms, tmp_path, no_hang):
    folder, outside = tmp_path / "incoming", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    good = filled_forms["U001"].read_bytes()
    expected = odd_entries(folder, outside, good)
    os.mkfifo(tmp_path / "named-pipe.docx")
    results = {Path(r.file).name: r for r in ingest([folder, tmp_path / "named-pipe.docx", "/dev/null",
                                                     filled_forms["U002"]], store)}
    for name, code in expected.items():
        if code:
            assert (results[name].outcome, results[name].code, results[name].submission) == ("rejected", code, None)
            assert results[name].message
    for named in ("named-pipe.docx", "null"):  # named directly: still only a regular file is opened
        assert (results[named].code, results[named].submission) == ("intake.not-a-file", None)
    assert results["alias.docx"].outcome in READABLE and results["real.docx"].submission == results["alias.docx"].submission
    assert results[filled_forms["U002"].name].outcome in READABLE
    stored = store.objects.all()
    assert stored == {hashlib.sha256(good).hexdigest(), hashlib.sha256(filled_forms["U002"].read_bytes()).hexdigest()}
    assert {r["sha256"] for r in stored_rows(store)} == stored  # no original without a row, nothing from outside
    assert hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest() not in stored


def test_a_symlinked_folder_inside_is_not_read_twice(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.docx").write_bytes(b"x")
    (folder / "again").symlink_to(folder / "sub", target_is_directory=True)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    assert [(s.path.relative_to(folder).as_posix(), s.code) for s in expand([folder])] == [("sub/a.docx", "")]


def test_names_that_are_not_utf8_are_stored_and_shown_readable(store, filled_forms, tmp_path):
    folder = tmp_path / "解压后"  # a UTF-8 folder name, a GBK file name inside
    folder.mkdir()
    gbk = gbk_named(folder, filled_forms["U001"].read_bytes())
    odd = undecodable_named(folder, filled_forms["U002"].read_bytes())
    (folder / "普通.docx").write_bytes(filled_forms["U003"].read_bytes())
    results = list(ingest([folder], store))
    assert len(results) == 3 and all(r.outcome in READABLE for r in results), results
    names = sorted(r.file_name for r in store.submissions())
    assert [n.rsplit("/", 1)[-1] for n in names] == ["\\xff\\xfe-\\x80.docx", "普通.docx", GBK_NAME]
    shown = {r.file.rsplit("/", 1)[-1] for r in results}
    assert GBK_NAME in shown
    json.dumps([r.as_dict() for r in results], ensure_ascii=False).encode("utf-8")  # printable as UTF-8
    events = [e["detail"].get("file", "") for e in store.audit_events() if e["event"] == "ingested"]
    assert any(f.endswith(GBK_NAME) for f in events)
    assert gbk.exists() and odd.exists()  # the originals on disk keep their bytes
    assert store.verify()["audit"] == []
