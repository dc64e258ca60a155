"""Intake end to end: issue, ingest what comes back (Word, re-saved, PDF, legacy .doc, junk), track who has
returned what, and the missing list."""

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXED, YEAR, need_soffice
from openpyxl import load_workbook

from formkit.convert import convert_many
from formkit.forms.cycle import cycle
from formkit.intake.batch import read_many
from formkit.intake.ingest import ingest
from formkit.intake.status import status, write_missing_xlsx
from formkit.issue import issue_forms
from formkit.issue.batch import issued_rows
from formkit.read.sniff import classify

CORPUS = Path(os.environ.get("FORMKIT_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")


@pytest.fixture
def tracked(store, sample_roster, tmp_path):
    results = issue_forms(sample_roster, YEAR, tmp_path / "issued", created=FIXED)
    store.record_issued(issued_rows(results, YEAR))
    return store


def test_status_tracks_who_has_returned_what(tracked, filled_forms, tmp_path):
    broken = tmp_path / "U010-522732.docx"
    from test_read import edit

    edit(filled_forms["U010-522732"], broken, replace=[(">否</w:t>", ">也许</w:t>")])
    returned = [filled_forms[r] for r in ("U001", "U002", "U007-522731", "U008-522731")] + [broken]
    junk = tmp_path / "notes.txt"
    junk.write_text("这不是表格")
    results = list(ingest([*returned, junk], tracked, YEAR))
    assert [r.outcome for r in results][-1] == "rejected"
    report = status(tracked, cycle(YEAR), today=date(YEAR + 1, 1, 5))
    summary = report.summary()
    assert summary["self-assessment"] == {"issued": 14, "received": 2, "valid": 2, "with-errors": 0,
                                          "missing": 12, "overdue": 12}
    assert summary["county-feedback"]["received"] == 3 and summary["county-feedback"]["with-errors"] == 1
    state = {r.recipient_id: r.state for r in report.rows}
    assert state["U010-522732"] == "with-errors" and state["U001"] == "valid" and state["U014"] == "missing"
    assert report.rejected == 1
    early = status(tracked, cycle(YEAR), today=date(YEAR, 11, 30))
    assert early.summary()["self-assessment"]["overdue"] == 0
    sheet = load_workbook(write_missing_xlsx(report, tmp_path / "催报名单.xlsx"))
    missing = [row for row in sheet["未报送"].iter_rows(min_row=3, values_only=True)]
    assert len(missing) == 12 + 21 and missing[0][6] == "未报送"
    fix = [row for row in sheet["待修改"].iter_rows(min_row=3, values_only=True)]
    assert [r[2] for r in fix] == ["贵州省云雾县（中国振兴发展银行）"]


@pytest.mark.slow
def test_cli_ingest_json_and_status(tmp_path, filled_forms, sample_roster):
    env = {**os.environ, "FORMKIT_DB": f"sqlite:///{tmp_path}/formkit.db"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "formkit", *map(str, a)], env=env, cwd=tmp_path,  # noqa: E731
                                    capture_output=True, text=True, timeout=300)
    from formkit.resources import samples_dir

    assert run("issue", "--roster", samples_dir() / "roster", "--year", YEAR, "--out", tmp_path / "out").returncode == 0
    (tmp_path / "bad.docx").write_bytes(b"garbage")
    done = run("ingest", filled_forms["U001"], filled_forms["U001"], tmp_path / "bad.docx", "--json")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1
    assert [set(line) >= {"file", "sha256", "outcome", "code", "message", "submission"} for line in lines] == [True] * 3
    assert lines[0]["submission"] == lines[1]["submission"] and lines[1]["duplicate"] is True
    assert lines[2]["outcome"] == "rejected" and lines[2]["code"] == "read.unknown-format"
    report = json.loads(run("status", "--json").stdout)
    assert report["summary"]["self-assessment"]["received"] == 1 and report["year"] == YEAR
    assert (tmp_path / "formkit-originals").is_dir()
    verify = run("verify")
    assert verify.returncode == 0 and "缺失 0，损坏 0" in verify.stdout


@pytest.mark.libreoffice
def test_legacy_doc_is_converted_then_read(store, filled_forms, tmp_path):
    need_soffice()
    [doc] = convert_many([filled_forms["U005"]], tmp_path, "doc:MS Word 97")
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    [result] = list(ingest([doc], store))
    assert result.outcome in ("accepted", "accepted-with-warnings"), result
    row = store.submissions()[0]
    assert row.format == "doc" and row.converted_by == "LibreOffice" and row.form == "self-assessment"
    assert row.values["unit_name"] == "国家地理信息&遥感中心"


@pytest.mark.slow
@pytest.mark.libreoffice
def test_every_corpus_file_ingests_or_is_refused_with_a_code(store):
    need_soffice()
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"corpus missing at {CORPUS}")
        pytest.skip("no corpus")
    files = sorted(p for p in CORPUS.iterdir() if p.name != "README.md")
    results = list(ingest(files, store))
    assert len(results) == len(files)
    for r in results:
        assert r.submission is not None, r
        assert r.outcome in ("accepted", "accepted-with-warnings", "rejected", "timeout", "out-of-memory"), r
        if r.outcome != "accepted":
            assert r.code and r.message, r
    assert len(store.submissions()) == len(files)
    assert store.verify() == {"missing": [], "corrupt": [], "orphaned": [], "audit": []}


@pytest.mark.parametrize("fmt, kind", [("xml:MS Word 2003 XML", "word-xml"), ("html:HTML (StarWriter)", "html"),
                                       ("rtf:Rich Text Format", "rtf"), ("odt", "odt")])
@pytest.mark.libreoffice
def test_exports_of_other_systems_are_converted_then_read(store, filled_forms, tmp_path, fmt, kind):
    """'Fake .doc' exports (Word 2003 XML, Word HTML), RTF and ODT go through LibreOffice, then the reader."""
    need_soffice()
    [exported] = convert_many([filled_forms["U005"]], tmp_path, fmt)
    renamed = exported.with_suffix(".doc")  # Java systems name them .doc whatever they are
    exported.rename(renamed)
    [result] = list(ingest([renamed], store))
    row = store.submissions()[0]
    assert result.outcome in ("accepted", "accepted-with-warnings"), result
    assert row.format == kind and row.converted_by == "LibreOffice"
    assert row.form == "self-assessment" and row.values["unit_name"] == "国家地理信息&遥感中心"


# -- one classifier of incoming files (read/sniff.py) for `formkit read` and `formkit ingest` ----------------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def odf(kind: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", f"application/vnd.oasis.opendocument.{kind}")  # first, as ODF requires
        zf.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


REFUSED = {  # file name → (bytes, the one code of its kind)
    "empty.docx": (b"", "read.empty"),
    "~$报表.docx": (b"\x06" + "王".encode("utf-16-le") * 80 + b"\0", "read.lock-file"),  # 162 bytes, as Word writes
    "encrypted.docx": (OLE + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"), "read.encrypted"),
    "scan.ofd": (b"PK\x03\x04" + b"\0" * 26 + b"OFD.xml", "ofd.corrupt"),  # an OFD is read (formkit.ofd): this one is broken
    "scan.docx": (b"GIF89a" + b"\0" * 64, "read.image"),  # PNG, JPEG and TIFF are read as scans (test_scan)
    "notes.docx": (b"garbage", "read.unknown-format"),
    "data.xml": (b"<?xml version='1.0'?><root/>", "read.unknown-format"),
}
CONVERTED = {  # file name → (bytes, kind, what `formkit read`, which converts nothing, answers)
    "old.doc": (OLE + b"\0" * 600, "doc", "read.legacy-format"),
    "ledger.xls": (OLE + b"\0" * 100 + "Workbook".encode("utf-16-le"), "xls", "read.legacy-format"),
    "export.doc": (b"{\\rtf1\\ansi hello}", "rtf", "read.unsupported-format"),
    "page.doc": (b"<html><body>hello</body></html>", "html", "read.unsupported-format"),
    "word2003.doc": (b"<?xml version='1.0'?><w:wordDocument xmlns:w='http://schemas.microsoft.com/office/word/2003/"
                     b"wordml'/>", "word-xml", "read.unsupported-format"),
    "form.odt": (odf("text"), "odt", "read.unsupported-format"),
    "ledger.ods": (odf("spreadsheet"), "ods", "read.unsupported-format"),
}


def test_read_and_ingest_refuse_a_file_of_each_kind_with_the_same_code(store, tmp_path):
    paths = []
    for name, (data, _code) in REFUSED.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    read = {path.name: error.code for path, error in read_many(paths)}
    ingested = {Path(r.file).name: (r.outcome, r.code) for r in ingest(paths, store)}
    assert read == {name: code for name, (_data, code) in REFUSED.items()}
    assert ingested == {name: ("rejected", code) for name, (_data, code) in REFUSED.items()}


def test_what_ingest_converts_formkit_read_refuses_with_the_kinds_code(tmp_path):
    paths = []
    for name, (data, kind, _code) in CONVERTED.items():
        assert (classify(data, name).name, classify(data, name).action) == (kind, "convert"), name
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    read = {path.name: (error.code, error.message) for path, error in read_many(paths)}
    assert {name: code for name, (code, _message) in read.items()} == {n: c for n, (_d, _k, c) in CONVERTED.items()}
    assert "另存为 .docx" in read["old.doc"][1] and "另存为 .xlsx" in read["ledger.xls"][1]
