"""Every .docx and .xlsx formkit writes is valid ECMA-376 as Office 2016 checks it — with openxml-audit, a
Python port of the Open XML SDK's validator (what decides whether Word or Excel opens a file or offers to
repair it) — and says who wrote it: the issuing organ or the coordinating body as author, formkit as the
application (what `formkit read` reports as the producer), never a library's template defaults
("python-docx", 2013, "Microsoft Macintosh Word", "openpyxl"). Workbooks keep their text in a shared-strings
table, as Excel writes them, and read back the same through other readers (openpyxl, calamine)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timezone
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import FIXED, YEAR, doc_for
from openxml_audit import FileFormat, OpenXmlValidator, ValidationSeverity

from formkit.config import load_config
from formkit.forms import load_form
from formkit.forms.loader import form_ids
from formkit.issue import issue_forms
from formkit.issue.templates import build_templates
from formkit.ooxml.document import read_docx
from formkit.ooxml.workbook import read_xlsx
from formkit.resources import templates_dir

OFFICE = FileFormat.OFFICE_2016
CORE = {"dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
        "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}
APP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
LIBRARY_DEFAULTS = ("python-docx", "openpyxl", "Macintosh", "Openpyxl", "2013-12-23")


@pytest.fixture(scope="session")
def validator() -> OpenXmlValidator:
    return OpenXmlValidator(file_format=OFFICE, max_errors=0)


def assert_valid(validator: OpenXmlValidator, paths: list[Path]) -> None:
    """Every file valid: no error and no warning, each one printed with its part and place when there are."""
    assert paths
    found = {}
    for path in paths:
        result = validator.validate(path)
        if result.errors:
            found[path] = [f"{'错误' if e.severity == ValidationSeverity.ERROR else '提示'} {e}" for e in result.errors]
    report = "\n".join(f"{p.name}: {len(lines)} 处\n  " + "\n  ".join(lines[:20]) for p, lines in found.items())
    assert not found, f"{len(found)} 个文件未通过 ECMA-376（{OFFICE.value}）校验：\n{report}"


def properties(path: Path) -> dict[str, str]:
    """creator, lastModifiedBy, title, created, modified (core) and Application, AppVersion (extended)."""
    with zipfile.ZipFile(path) as zf:
        core = ElementTree.fromstring(zf.read("docProps/core.xml"))
        app = ElementTree.fromstring(zf.read("docProps/app.xml"))
        raw = zf.read("docProps/core.xml") + zf.read("docProps/app.xml")
    found = {name: core.findtext(f"{prefix}:{name}", "", CORE)
             for prefix, name in (("dc", "creator"), ("cp", "lastModifiedBy"), ("dc", "title"),
                                  ("dcterms", "created"), ("dcterms", "modified"))}
    found.update({name: app.findtext(APP + name, "") for name in ("Application", "AppVersion")})
    assert not any(d.encode() in raw for d in LIBRARY_DEFAULTS), f"{path.name}: {raw.decode()}"
    return found


def assert_ours(path: Path, author: str, title: str | None = None, created: str | None = None) -> None:
    """``author`` wrote it with formkit (and `formkit read` says so), with that ``title`` and date."""
    props = properties(path)
    assert (props["creator"], props["lastModifiedBy"], props["Application"]) == (author, author, "formkit"), path.name
    if title is not None:
        assert props["title"] == title
    if created is not None:
        assert props["created"] == props["modified"] == created
    read = read_docx if path.suffix == ".docx" else read_xlsx
    assert read(path.read_bytes()).producer == "formkit"


@pytest.mark.slow
def test_the_templates_are_valid_as_committed_and_as_built(validator, tmp_path):
    """What `formkit templates` writes, and what is committed in templates/ (what forms are issued from)."""
    built = build_templates(tmp_path)
    assert len(built) == len([f for f in form_ids() if load_form(f).format == "docx"])
    assert_valid(validator, built + [templates_dir() / p.name for p in built])
    assert_ours(built[0], "formkit", created="2021-01-01T00:00:00Z")


def test_issued_forms_are_valid_and_name_the_coordinating_body(validator, issued):
    """A self-assessment and a county form as issued: the year's coordinating body is their author (not a
    program), their title names the recipient, their date is the issue's."""
    forms = [doc_for(issued, "self-assessment", "U001"), doc_for(issued, "county-feedback", "U001-130731")]
    assert_valid(validator, forms[:1])  # the county form: with the other kinds, below (each costs about 1 s)
    coordinator = load_config(YEAR).coordinator
    created = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert_ours(forms[0], coordinator, f"{YEAR}年度{load_form('self-assessment').title}（民主建国协进会中央委员会）", created)
    assert_ours(forms[1], coordinator, created=created)


@pytest.mark.slow
def test_periodic_forms_and_voting_sheets_are_valid(validator, issued, sample_roster, tmp_path):
    """The county form, the half-year report (Word), the quarterly ledger (Excel) and the voting sheets."""
    from formkit.review.sheets import issue_sheets

    made = [*issue_forms(sample_roster, YEAR, tmp_path, forms=["half-year-report"], period=1, created=FIXED)[:1],
            *issue_forms(sample_roster, YEAR, tmp_path, forms=["quarterly-ledger"], period=2, created=FIXED)[:1],
            *issue_sheets(sample_roster, YEAR, 1, tmp_path)[:1]]
    paths = [tmp_path / r.file for r in made]
    assert [p.suffix for p in paths] == [".docx", ".xlsx", ".docx"] and not any(r.error_code for r in made)
    assert_valid(validator, [doc_for(issued, "county-feedback", "U001-130731"), *paths])
    for path in paths:
        assert_ours(path, load_config(YEAR).coordinator)


@pytest.mark.slow
def test_a_notice_names_its_issuing_organs_and_its_date(validator, tmp_path):
    """Not python-docx's template (creator "python-docx", 2013, "Microsoft Macintosh Word"), not formkit: the
    organs that issue it, as its 发文机关标志 prints them, on its 成文日期."""
    from formkit.forms.cycle import cycle
    from formkit.notices import write_notice

    path = tmp_path / "notice.docx"
    write_notice("issue-forms", cycle(YEAR), path, when=date(YEAR, 11, 20))
    assert_valid(validator, [path])
    props = properties(path)
    organs = props["creator"].split("、")
    assert organs and all(organ in read_docx(path.read_bytes()).text for organ in organs)
    assert_ours(path, props["creator"], created=f"{YEAR}-11-20T00:00:00Z")
    assert props["title"] and props["title"] in read_docx(path.read_bytes()).text.replace("\n", "")


@pytest.mark.slow
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the files do not depend on the database
def test_letters_and_the_dossier_are_valid_and_name_the_coordinating_body(validator, stocked, tmp_path):
    from formkit.dossier import build_dossier
    from formkit.forms.cycle import cycle
    from formkit.letters import write_letters

    letters = [x.path for x in write_letters(stocked, cycle(YEAR), tmp_path / "letters", today=date(YEAR, 12, 3))]
    dossier, _ = build_dossier(stocked, cycle(YEAR), tmp_path / "dossier.docx")
    assert letters and all(letters)
    assert_valid(validator, [letters[0], dossier])
    signer = properties(letters[0])["creator"]  # the body that signs it, as it prints it
    assert signer in read_docx(letters[0].read_bytes()).text
    assert_ours(letters[0], signer, created=f"{YEAR}-12-03T00:00:00Z")
    assert_ours(dossier, load_config(YEAR).coordinator, f"{YEAR}年度中央单位定点帮扶工作成效考核评价材料汇编")
    latest = max(s.received_at for s in stocked.current(YEAR).values()).astimezone(timezone.utc)
    assert properties(dossier)["created"] == latest.strftime("%Y-%m-%dT%H:%M:%SZ")  # as of its latest material


def sheet_xml(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/")}


@pytest.mark.slow
def test_a_ledger_keeps_its_text_in_shared_strings_and_reads_the_same_everywhere(sample_roster, tmp_path):
    """Excel rewrites inline strings into a shared-strings table when it saves: formkit writes that table
    itself. openpyxl, calamine and formkit's own reader see the same cells."""
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    [ledger] = [r for r in issue_forms(sample_roster, YEAR, tmp_path, forms=["quarterly-ledger"], period=1,
                                       created=FIXED) if r.recipient_id == "U001-Q1"]
    path = tmp_path / ledger.file
    parts = sheet_xml(path)
    assert "xl/sharedStrings.xml" in parts
    assert not any(b'inlineStr' in data for data in parts.values())
    book = load_workbook(path)
    calamine = CalamineWorkbook.from_path(str(path))
    ours = read_xlsx(path.read_bytes())
    assert [t.caption for t in ours.tables] == book.sheetnames == calamine.sheet_names
    for table, sheet in zip(ours.tables, book.worksheets, strict=True):
        by_openpyxl = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        by_calamine = [[str(v) for v in row] for row in calamine.get_sheet_by_name(sheet.title).to_python()]
        texts = [[c.text for c in row] for row in table.rows]
        width = max(len(r) for r in by_openpyxl)
        pad = [r + [""] * (width - len(r)) for r in by_calamine]
        assert [r[:width] for r in by_openpyxl] == pad[:len(by_openpyxl)]
        assert {c.strip() for r in texts for c in r if c} == {c.strip() for r in by_openpyxl for c in r if c}
    assert "民主建国协进会中央委员会" in {c.text for t in ours.tables for r in t.rows for c in r}


def own_outputs(demo: Path) -> dict[str, list[Path]]:
    """The demo's .docx and .xlsx files formkit wrote itself, by kind; what the demo's simulated recipients
    returned (filled in as a person's Word or Excel would) is theirs."""
    theirs = ("returned", "收回的投票表", "收回的台账")
    kinds: dict[str, list[Path]] = {}
    for path in sorted(demo.rglob("*")):
        if path.suffix in (".docx", ".xlsx") and not any(part in theirs for part in path.relative_to(demo).parts):
            if path.name == "综合评议录入表.xlsx":
                continue  # the blank one is formkit's; this one the demo's clerk filled in
            kinds.setdefault(str(path.parent.relative_to(demo)), []).append(path)
    return kinds


@pytest.mark.slow
def test_every_kind_of_file_the_demo_writes_is_valid(validator, tmp_path, monkeypatch):
    """The whole year without LibreOffice: issued forms and ledgers, ballots, the notices, the dossier, the
    correction letters and every workbook (progress, 催报名单, tally, review inputs) — each kind validated
    (one file of a kind issued per recipient, every other file), each naming its author and formkit."""
    import formkit.demo as demo

    monkeypatch.setattr(demo, "soffice", lambda: None)
    out = tmp_path / "demo"
    demo.prepare_out(out)
    demo.run_demo(out, YEAR, say=lambda _text: None)
    kinds = own_outputs(out)
    per_recipient = {k for k in kinds if k.startswith(("issued/", "定期调度/台账/", "分类评价/投票表/"))}
    files = [p for k, paths in kinds.items() for p in (paths[:1] if k in per_recipient else paths)]
    names = {p.name for p in files}
    for expected in ("下发考核评价表格的通知.docx", "工作进展通报.docx", "评价结果的请示.docx", "评价结果通报.docx",
                     "送中央组织部的函.docx", f"{YEAR}年度考核评价材料汇编.docx", "催报名单.xlsx", "计票结果.xlsx",
                     "综合评议录入表（空白）.xlsx", f"{YEAR}年第4季度定点帮扶工作进度.xlsx"):
        assert expected in names, expected
    assert len(kinds["退回修改意见"]) >= 1 and len(kinds) >= 10
    assert_valid(validator, files)
    coordinator = load_config(YEAR).coordinator
    for path in files:
        props = properties(path)
        assert props["Application"] == "formkit" and props["creator"] and props["creator"] != "formkit", path.name
        assert props["created"] >= f"{YEAR}-01-01", (path.name, props["created"])  # its date, not a template's
        if path.suffix == ".xlsx" or "材料汇编" in path.parts or "issued" in path.parts:
            assert props["creator"] == coordinator, (path.name, props["creator"])
    for path in (p for p in files if p.parent in (out / "公文", out / "分类评价", out / "退回修改意见")):
        if path.suffix == ".docx":  # a notice or a letter: the organs that issue or sign it, as it names them
            assert all(organ in read_docx(path.read_bytes()).text for organ in properties(path)["creator"].split("、"))


def test_workbook_bytes_have_no_inline_strings_and_formkit_properties():
    """The finishing step on what openpyxl saves, on a workbook with a formula-like text, an empty typed
    cell, a number and a repeated text."""
    from openpyxl import Workbook, load_workbook

    from formkit.ooxml.spreadsheet import finish
    from formkit.outputs import append_row, text_cell

    book = Workbook()
    append_row(book.active, ["=1+1", "甲", 3, "甲", " 前后空格 "])
    text_cell(book.active, 2, 1, "")
    raw = io.BytesIO()
    book.save(raw)
    data = finish(raw.getvalue(), "农业农村部", "测试", FIXED)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        strings = zf.read("xl/sharedStrings.xml").decode()
        sheet = zf.read("xl/worksheets/sheet1.xml")
    assert b"inlineStr" not in sheet and 'count="4"' in strings and 'uniqueCount="3"' in strings
    again = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in again[1]] == ["=1+1", "甲", 3, "甲", " 前后空格 "] and again["A1"].data_type == "s"
    assert read_xlsx(data).producer == "formkit"
