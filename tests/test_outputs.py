"""What formkit writes: no text a user typed becomes a live formula in any workbook (issued ledgers included,
which read back unchanged), manifests are neutralised CSV, every file is written atomically and readable
like other outputs, and long names or answers never break an output."""

import csv
import errno
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXED, YEAR, need_soffice
from fixtures.outputs import HOSTILE, NEVER_ISSUED, formula_cells, keep_prefilled, texts, write_roster

from formkit import outputs
from formkit.cli import main
from formkit.errors import FormkitError
from formkit.forms.cycle import cycle
from formkit.intake.ingest import ingest
from formkit.intake.status import status, write_missing_xlsx
from formkit.issue import issue_forms
from formkit.issue.batch import MANIFEST, issued_rows
from formkit.ooxml.workbook import read_xlsx
from formkit.pipeline import read_file
from formkit.progress.report import progress, write_progress_xlsx
from formkit.review.inputs import write_template
from formkit.review.sheets import issue_sheets
from formkit.review.tally import tally, write_tally_xlsx
from formkit.roster import load_roster
from formkit.simulate import fill_ledgers, fill_votes
from formkit.store import Store

NAMES = {name for _id, name, *_ in HOSTILE}
COUNTIES = {county for *_x, county, _code, _prov in HOSTILE}


# --- the building blocks --------------------------------------------------------------------------------

def test_a_text_cell_is_written_as_a_string_never_a_formula(tmp_path):
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    sheet = book.active
    outputs.text_cell(sheet, 1, 1, "=1+1")
    outputs.append_row(sheet, ['=HYPERLINK("http://x","y")', 3, None, "+1\x01"])
    path = outputs.save(book, tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="A1" t="inlineStr"><is><t>=1+1</t></is></c>' in xml
    assert '<c r="A2" t="inlineStr"><is><t>=HYPERLINK("http://x","y")</t></is></c>' in xml
    assert "<f>" not in xml
    again = load_workbook(path).active
    assert [(c.value, c.data_type) for c in again[1] if c.value] == [("=1+1", "s")]
    assert [(c.value, c.data_type) for c in again[2]] == [
        ('=HYPERLINK("http://x","y")', "s"), (3, "n"), (None, "n"), ("+1", "s")]  # a control character dropped


def test_csv_cells_are_neutralised_the_owasp_way(tmp_path):
    hostile = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "a=1", "", None, "安全"]
    assert [outputs.csv_cell(v) for v in hostile] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "'\r=1", "a=1", "", "", "安全"]
    path = outputs.write_csv(tmp_path / "m.csv", ["=h"], [["=1+1", 2]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    assert list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines())) == [["'=h"], ["'=1+1", "2"]]


def test_long_names_make_file_names_that_fit():
    name = outputs.safe_name(["U001", "很" * 300, "县/区" * 40, "2026年自评表"], ".docx")
    assert len(name.encode()) <= 240 and name.startswith("U001_很") and name.endswith("_2026年自评表.docx")
    assert "/" not in name
    assert outputs.safe_name(["..", "a:b"], ".csv") == "__a_b.csv"  # never a hidden file


# --- (1) formula injection: every workbook formkit writes -------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A store for a roster named with formula payloads: year-end forms and ledgers issued (the ledger of
    ``NEVER_ISSUED`` written but not recorded), the ledgers returned, voting sheets returned. Made once for
    the module: its tests only read it."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    roster = load_roster(write_roster(tmp_path / "roster"), YEAR)
    store = Store(f"sqlite:///{tmp_path}/formkit.db", tmp_path / "originals")
    year_end = issue_forms(roster, YEAR, tmp_path / "issued", forms=["self-assessment", "county-feedback"],
                           created=FIXED)
    ledgers = issue_forms(roster, YEAR, tmp_path / "ledgers", forms=["quarterly-ledger"], period=1, created=FIXED)
    assert not [r for r in year_end + ledgers if r.error_code]
    store.record_issued(issued_rows(year_end, YEAR))
    store.record_issued(issued_rows([r for r in ledgers if not r.recipient_id.startswith(NEVER_ISSUED)], YEAR))
    files = {r.recipient_id: tmp_path / "ledgers" / r.file for r in ledgers}
    filled = fill_ledgers(roster, YEAR, 1, files, tmp_path / "filled")
    for rid, (path, _values) in filled.items():
        keep_prefilled(files[rid], path)
    sheets = issue_sheets(roster, YEAR, 2, tmp_path / "sheets")
    store.record_issued(issued_rows(sheets, YEAR))
    votes = fill_votes(sheets, roster, YEAR, tmp_path / "sheets", tmp_path / "votes")
    outcomes = list(ingest([p for p, _v in filled.values()] + votes, store, YEAR))
    assert all(o.outcome in ("accepted", "accepted-with-warnings") for o in outcomes), [o.code for o in outcomes]
    yield store, roster, ledgers, tmp_path
    store.close()


def test_no_workbook_formkit_writes_holds_a_formula_from_a_users_text(hostile):
    store, roster, ledgers, tmp_path = hostile
    written = {
        "催报名单": write_missing_xlsx(status(store, cycle(YEAR)), tmp_path / "out" / "催报名单.xlsx"),
        "progress": write_progress_xlsx(progress(store, cycle(YEAR)), tmp_path / "out" / "进度.xlsx"),
        "tally": tmp_path / "out" / "计票结果.xlsx",
        "inputs": write_template(store, cycle(YEAR), tmp_path / "out" / "综合评议录入表.xlsx"),
    }
    write_tally_xlsx(tally(store, cycle(YEAR)), written["tally"])
    written.update({r.recipient_id: tmp_path / "ledgers" / r.file for r in ledgers})
    for what, path in written.items():
        assert formula_cells(path) == [], what
    # the names are there, as text (so the checks above looked at them)
    assert NAMES <= texts(written["催报名单"]) and NAMES <= texts(written["inputs"])
    assert NAMES <= texts(written["tally"])
    progress_texts = texts(written["progress"])
    # the ledger nobody was issued counts for no unit: its own claim never files it under one
    never_issued = next(name for uid, name, *_ in HOSTILE if uid == NEVER_ISSUED)
    assert NAMES - {never_issued} <= progress_texts and never_issued not in progress_texts
    assert COUNTIES <= texts(written["inputs"])


def test_an_issued_ledger_reads_back_the_exact_names(hostile):
    _store, roster, ledgers, tmp_path = hostile
    for row in ledgers:
        path = tmp_path / "ledgers" / row.file
        unit = next(u for u in roster.units if row.recipient_id.startswith(u.id))
        result = read_file(path)
        assert result.recipient["id"] == row.recipient_id and result.values["unit_name"] == unit.name
        cells = {c.text for t in read_xlsx(path.read_bytes()).tables for r in t.rows for c in r}
        assert {c.name for c in roster.counties_of(unit)} <= cells and unit.name in cells
        assert not ({"2", "4", "'=1+1"} & cells)


def test_the_manifest_is_neutralised(hostile):
    _store, _roster, _ledgers, tmp_path = hostile
    rows = list(csv.reader((tmp_path / "issued" / MANIFEST).read_text(encoding="utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert len(body) == 10
    assert not [cell for row in body for cell in row if cell.startswith(outputs.CSV_TRIGGERS)]
    recipients = {row[header.index("接收方")] for row in body}
    assert "'=1+1" in recipients and "'@SUM(1+1)*cmd|' /C calc'!A0" in recipients
    assert {row[header.index("所属省份")] for row in body} >= {"'=省", "北京市"}


# --- (3) atomic, readable like other outputs ------------------------------------------------------------

@pytest.fixture
def umask():
    def set_to(mask: int) -> None:
        os.umask(mask)

    old = os.umask(0o022)
    yield set_to
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_issued_documents_honour_the_umask(sample_roster, tmp_path, umask, mask, mode):
    umask(mask)
    results = issue_forms(sample_roster, YEAR, tmp_path, forms=["quarterly-ledger", "self-assessment"], period=1,
                          created=FIXED)
    files = [tmp_path / r.file for r in results] + [tmp_path / MANIFEST]
    assert len(files) == 2 * len(sample_roster.units) + 1
    assert {f.stat().st_mode & 0o777 for f in files} == {mode}
    assert not list(tmp_path.rglob(".tmp-*"))


def test_a_failed_write_leaves_no_partial_file_and_the_rest_is_issued(sample_roster, tmp_path, monkeypatch):
    real = os.fsync
    full = [False, False, True]  # the disk fills up on the third document

    def fsync(fd):
        if full and full.pop(0):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(outputs.os, "fsync", fsync)
    results = issue_forms(sample_roster, YEAR, tmp_path, forms=["quarterly-ledger"], period=2, created=FIXED)
    failed = [r for r in results if r.error_code]
    assert [r.error_code for r in failed] == ["output.write-failed"] and failed[0].file == ""
    written = sorted(p.name for p in (tmp_path / "quarterly-ledger").iterdir())
    assert len(written) == len(sample_roster.units) - 1 and not [n for n in written if n.startswith(".")]
    with open(tmp_path / MANIFEST, encoding="utf-8-sig") as fh:
        manifest = list(csv.DictReader(fh))
    assert [m["错误代码"] for m in manifest if m["错误代码"]] == ["output.write-failed"]
    # an existing file is replaced whole or not at all
    target = tmp_path / "keep.txt"
    outputs.write_text(target, "旧内容")
    full.append(True)
    with pytest.raises(FormkitError) as err:
        outputs.write_text(target, "新内容")
    assert err.value.code == "output.write-failed" and target.read_text(encoding="utf-8") == "旧内容"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted([MANIFEST, "keep.txt"])


# --- (4) a 300-character recipient name set by the sender -------------------------------------------------

def test_a_300_character_recipient_name_never_stops_the_letters(store, sample_roster, filled_forms, tmp_path):
    from test_read import edit

    results = issue_forms(sample_roster, YEAR, tmp_path / "issued", forms=["county-feedback"], created=FIXED)
    store.record_issued(issued_rows(results, YEAR))
    long_name = "很长的接收方名称" * 40  # 320 characters, 960 bytes
    returned = []
    for rid in ("U010-522732", "U008-522731", "U007-522731"):
        broken = edit(filled_forms[rid], tmp_path / f"{rid}-a.docx", replace=[(">否</w:t>", ">也许</w:t>")])
        if rid == "U008-522731":
            prop = "formkit.recipient_name"
            with zipfile.ZipFile(broken) as zf:
                custom = zf.read("docProps/custom.xml").decode()
            start = custom.index("<vt:lpwstr>", custom.index(f'name="{prop}"')) + len("<vt:lpwstr>")
            old = custom[start:custom.index("</vt:lpwstr>", start)]
            broken = edit(broken, tmp_path / f"{rid}.docx", part="docProps/custom.xml",
                          replace=[(f">{old}</vt:lpwstr>", f">{long_name}</vt:lpwstr>")])
        returned.append(broken)
    list(ingest(returned, store, YEAR))
    to_correct = {rid for (_f, rid), row in store.current(YEAR).items() if row.errors}
    assert {"U010-522732", "U007-522731"} <= to_correct
    run = CliRunner().invoke(main, ["letters", "--out", str(tmp_path / "letters"), "--db", store.url,
                                    "--year", str(YEAR), "--json"])
    assert run.exit_code == 0, run.output
    import json

    letters = json.loads(run.stdout)
    assert {Path(x["file"]).name.split("_")[0] for x in letters} == to_correct
    for x in letters:
        path = Path(x["file"])
        assert path.is_file() and len(path.name.encode()) <= 255 and zipfile.is_zipfile(path)


# --- (5) a 300-character unit name in the roster ----------------------------------------------------------

def test_a_too_long_roster_name_is_refused_with_its_row(tmp_path):
    from formkit.roster.load import MAX_CHARS

    longest = [("U001", "单" * MAX_CHARS["name"], "中央企业", "县" * MAX_CHARS["county"], "110101", "北京市")]
    roster = load_roster(write_roster(tmp_path / "ok", longest), YEAR)  # the longest accepted names issue fine
    results = issue_forms(roster, YEAR, tmp_path / "issued", created=FIXED)
    assert results and not [r for r in results if r.error_code]
    assert all(len(Path(r.file).name.encode()) <= 255 for r in results)
    bad = [("U001", "单" * 300, "中央企业", "太行县", "130731", "河北省"),
           ("U002", "全国工商业联合总会", "中央企业", "县" * (MAX_CHARS["county"] + 1), "130732", "河北省")]
    folder = write_roster(tmp_path / "bad", bad)
    with pytest.raises(FormkitError) as err:
        load_roster(folder, YEAR)
    problems = [err.value, *err.value.others]
    assert [(p.code, p.where.get("file"), p.where.get("row"), p.where.get("column")) for p in problems] == [
        ("roster.too-long", "units.csv", 2, "单位名称"), ("roster.too-long", "pairs.csv", 2, "单位名称"),
        ("roster.too-long", "pairs.csv", 3, "定点帮扶县")]
    assert "超过60个字符（现为300个）" in problems[0].message
    for args in (["roster", str(folder), "--year", str(YEAR)],
                 ["issue", "--roster", str(folder), "--year", str(YEAR), "--out", str(tmp_path / "out"),
                  "--db", f"sqlite:///{tmp_path}/formkit.db"]):
        run = CliRunner().invoke(main, args)
        assert run.exit_code == 2 and "roster.too-long" in run.output, run.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.docx"))


# --- (6) a 1 MB answer in the dossier ---------------------------------------------------------------------

def one_mb_dossier():
    from formkit.evaluation.units import CountyFeedback, Evaluation, UnitEntry, UnitFigures
    from formkit.store.records import Recipient, Record, Submission

    def returned(rid, values):
        return Submission(1, "0" * 64, f"{rid}.docx", 1, FIXED, "docx", None, "accepted", None, None, None, None,
                          YEAR, Recipient(rid), Record.from_json({"values": values}), "", None, None)

    answer = "产业帮扶成效显著，" * 120_000  # about a million characters, typed into one answer
    county = CountyFeedback("甲县", "U001-130731", returned("U001-130731", {
        "grade_overall": "好", "comment_overall": "很好" * 100_000}))
    unit = UnitEntry("单位甲", "U001", "中央企业", "国务院国资委",
                     returned("U001", {"industry_narrative": answer, "problems": "无\x01"}), UnitFigures(),
                     counties=[county])
    return Evaluation(YEAR, [("中央企业", "国务院国资委", [unit])], []), answer


def test_a_one_megabyte_answer_is_cut_in_the_dossier_with_a_note(tmp_path, monkeypatch):
    import formkit.dossier as dossier_module
    from formkit.dossier import build_dossier
    from formkit.dossier.compose import ANSWER_CHARS, COMMENT_CHARS

    built, answer = one_mb_dossier()
    monkeypatch.setattr(dossier_module, "evaluate", lambda *_a, **_k: built)
    with Store(f"sqlite:///{tmp_path}/formkit.db", tmp_path / "originals") as store:
        out, _ = build_dossier(store, cycle(YEAR), tmp_path / "d" / "dossier.docx")
    with zipfile.ZipFile(out) as zf:
        xml = zf.read("word/document.xml").decode()
    assert xml.count(outputs.OMITTED) == 2 and answer[:ANSWER_CHARS // 2] in xml and answer not in xml
    assert len(xml) < 1_000_000 and out.stat().st_mode & 0o777 == 0o666 & ~outputs.current_umask()
    assert COMMENT_CHARS < ANSWER_CHARS


@pytest.mark.libreoffice
def test_a_one_megabyte_answer_does_not_stop_the_dossier_pdf(tmp_path, monkeypatch):
    import formkit.dossier as dossier_module
    from formkit.dossier import build_dossier

    need_soffice()
    built, _answer = one_mb_dossier()
    monkeypatch.setattr(dossier_module, "evaluate", lambda *_a, **_k: built)
    with Store(f"sqlite:///{tmp_path}/formkit.db", tmp_path / "originals") as store:
        out, _ = build_dossier(store, cycle(YEAR), tmp_path / "d" / "dossier.docx", pdf=True)
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
