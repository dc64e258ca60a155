"""A unit's written 自评总结 (Word or PDF) handed in beside its forms: ``formkit ingest --attach-to UNIT``
keeps it as an attachment of the unit's submission — like every original (sha256, durable, audited, a new
report superseding the one before) — under intake's limits and classifier, and lists it in ``formkit status``
(under the unit's lead department) and in the dossier. On SQLite and PostgreSQL."""

import io
import json

import pytest
from click.testing import CliRunner
from conftest import YEAR
from docx import Document
from fixtures.isolation import pdf_of
from sqlalchemy import text
from test_hostile import billion_laughs, encrypted_ooxml, zip_bomb

from formkit.cli import main
from formkit.dossier import build_dossier
from formkit.errors import FormkitError
from formkit.forms.cycle import cycle
from formkit.intake.attach import attach, attachments
from formkit.intake.ingest import adopt
from formkit.issue.batch import issued_rows
from formkit.store import Store

UNIT, LEAD = "U012", "国务院国资委"  # 中国能源建设投资集团有限公司, a 中央企业
CLEAN = {"missing": [], "corrupt": [], "orphaned": [], "audit": []}


def word_report() -> bytes:
    doc = Document()
    doc.add_heading("中国能源建设投资集团有限公司2026年度定点帮扶工作自评总结", 1)
    for text_ in ("一、主要做法和成效", "二、存在的问题", "三、下一步工作打算"):
        doc.add_paragraph(text_)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf_report(pages: int = 2) -> bytes:
    """A PDF of ``pages`` pages with a line of text on each (as a report printed to PDF)."""
    content = b"BT /F1 14 Tf 72 760 Td (Self-assessment report 2026) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{' '.join(f'{i + 5} 0 R' for i in range(pages))}] /Count {pages} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                b"/Contents 4 0 R >>"] * pages
    return pdf_of(objects)


@pytest.fixture
def year_store(store, issued):
    """A store that knows what was issued for the year (so it knows the year's units)."""
    store.record_issued(issued_rows(issued[1], YEAR))
    return store


def test_a_word_report_then_a_pdf_report_supersedes_it_both_kept_and_listed(year_store, tmp_path):
    store = year_store
    (tmp_path / "自评总结.docx").write_bytes(word_report())
    (tmp_path / "自评总结（盖章版）.pdf").write_bytes(pdf_report())
    first, = attach([tmp_path / "自评总结.docx"], store, UNIT, YEAR)
    assert (first.outcome, first.code, first.duplicate, first.supersedes) == ("attached", "", False, None)
    second, = attach([tmp_path / "自评总结（盖章版）.pdf"], store, UNIT, YEAR)
    assert (second.outcome, second.supersedes) == ("attached", first.attachment)
    again, = attach([tmp_path / "自评总结（盖章版）.pdf"], store, UNIT, YEAR)  # the same bytes again
    assert (again.outcome, again.duplicate, again.attachment) == ("attached", True, second.attachment)

    history = store.attachments(YEAR, UNIT, history=True)
    assert [(a.format, a.current, a.supersedes) for a in history] == [("docx", False, None),
                                                                    ("pdf", True, first.attachment)]
    for a in history:  # each original kept by its sha256, as it came
        assert store.objects.get(a.sha256) == (tmp_path / a.file_name.rsplit("/", 1)[-1]).read_bytes()
    events = [(e["event"], e["sha256"], (e["detail"] or {}).get("attachment")) for e in store.audit_events()]
    assert events[-3:] == [("attached", first.sha256, first.attachment), ("attached", second.sha256, second.attachment),
                           ("attached-again", second.sha256, second.attachment)]
    # routed to the unit's lead department (办法 四（二）); every other unit of the year is listed as missing
    reports = {r.unit_id: r for r in attachments(store, YEAR)}
    mine = reports[UNIT]
    assert (mine.lead_department, mine.category, mine.report.id, mine.earlier) == (LEAD, "中央企业", second.attachment, 1)
    assert all(r.report is None for uid, r in reports.items() if uid != UNIT) and len(reports) == 14
    # kept like every original: verify finds nothing wrong, and nothing for the next ingest to adopt
    assert store.verify() == CLEAN
    assert adopt(store) == []


@pytest.mark.slow  # the dossier of a category
def test_status_and_the_dossier_list_the_report(year_store, store_url, tmp_path):
    store = year_store
    (tmp_path / "总结.docx").write_bytes(word_report())
    (tmp_path / "总结.pdf").write_bytes(pdf_report(3))
    list(attach([tmp_path / "总结.docx"], store, UNIT, YEAR))
    pdf, = attach([tmp_path / "总结.pdf"], store, UNIT, YEAR)
    env = {"FORMKIT_ORIGINALS": str(store.objects.root)}
    shown = CliRunner().invoke(main, ["status", "--db", store_url, "--year", str(YEAR)], env=env)
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.output.splitlines() if x.strip().startswith(f"{LEAD}："))
    assert "中国能源建设投资集团有限公司 总结.pdf，" in line and f"sha256 {pdf.sha256[:12]}…" in line
    assert "书面自评总结：已报送 1 个单位，未报送 13 个" in shown.output
    as_json = json.loads(CliRunner().invoke(main, ["status", "--db", store_url, "--year", str(YEAR), "--json"],
                                            env=env).stdout)
    listed = next(r for r in as_json["reports"] if r["unit_id"] == UNIT)
    assert listed["lead_department"] == LEAD and listed["report"]["sha256"] == pdf.sha256 and listed["earlier"] == 1

    out, _dossier = build_dossier(store, cycle(YEAR), tmp_path / "dossier" / "汇编.docx", category="中央企业")
    lines = [p.text for p in Document(out).paragraphs if p.text.startswith("书面自评总结：")]
    ours = next(x for x in lines if pdf.sha256[:12] in x)
    assert ours.startswith("书面自评总结：总结.pdf，") and "总结.docx，" in ours and ours.endswith("（已被替换）")
    assert "书面自评总结：未报送" in lines  # the category's other units sent none


def test_a_unit_formkit_did_not_issue_to_is_refused_with_nothing_stored(year_store, store_url, tmp_path):
    store = year_store
    (tmp_path / "总结.docx").write_bytes(word_report())
    with pytest.raises(FormkitError) as refused:
        list(attach([tmp_path / "总结.docx"], store, "U999", YEAR))
    assert refused.value.code == "attach.unknown-unit" and "U999" in refused.value.message
    with pytest.raises(FormkitError):  # a unit of the roster, but not in a year formkit issued nothing for
        list(attach([tmp_path / "总结.docx"], store, UNIT, YEAR - 1))
    env = {"FORMKIT_ORIGINALS": str(store.objects.root)}
    said = CliRunner().invoke(main, ["ingest", "--db", store_url, "--attach-to", "U999", "--json",
                                     str(tmp_path / "总结.docx")], env=env)
    assert said.exit_code == 2 and json.loads(said.stdout)["error"]["code"] == "attach.unknown-unit"
    assert store.attachments(YEAR, history=True) == [] and store.objects.all() == set()
    assert [e["event"] for e in store.audit_events()] == ["issued"]


@pytest.mark.slow  # a zip bomb and a billion laughs, each opened in the worker
def test_a_hostile_file_is_refused_with_its_code_nothing_stored_and_the_batch_goes_on(year_store, store_url,
                                                                                       filled_forms, tmp_path):
    store = year_store
    form = filled_forms["U012"].read_bytes()
    folder = tmp_path / "in"
    folder.mkdir()
    expected = {
        "1-laughs.docx": (billion_laughs(form), "docx.dtd-forbidden"),
        "2-bomb.docx": (zip_bomb(form), "docx.zip-bomb"),
        "3-encrypted.docx": (encrypted_ooxml(), "read.encrypted"),
        "4-old.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "read.legacy-format"),
        "5-truncated.pdf": (pdf_report()[:200], "pdf.corrupt"),
        "6-good.docx": (word_report(), None),
        "7-empty.pdf": (b"", "read.empty"),
    }
    for name, (data, _code) in expected.items():
        (folder / name).write_bytes(data)
    env = {"FORMKIT_ORIGINALS": str(store.objects.root)}
    ran = CliRunner().invoke(main, ["ingest", "--db", store_url, "--attach-to", UNIT, "--year", str(YEAR), "--json",
                                    str(folder)], env=env)
    results = {r["file"].rsplit("/", 1)[-1]: r for r in map(json.loads, ran.stdout.splitlines())}
    assert ran.exit_code == 1
    assert {name: r["code"] for name, r in results.items()} == {name: code for name, (_d, code) in expected.items()}
    assert all(r["outcome"] == "rejected" and r["attachment"] is None and r["message"] for name, r in results.items()
               if name != "6-good.docx")
    good = results["6-good.docx"]
    assert good["outcome"] == "attached" and store.objects.all() == {good["sha256"]}
    assert [a.file_name.rsplit("/", 1)[-1] for a in store.attachments(YEAR)] == ["6-good.docx"]
    assert [e["event"] for e in store.audit_events()] == ["issued", "attached"]


def test_a_spreadsheet_is_not_a_report(year_store, filled_forms, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "自评总结"
    book.save(tmp_path / "总结.xlsx")
    refused, = attach([tmp_path / "总结.xlsx"], year_store, UNIT, YEAR)
    assert (refused.outcome, refused.code) == ("rejected", "attach.not-a-report") and "PDF" in refused.message
    assert year_store.objects.all() == set()


def test_verify_finds_an_attachment_changed_behind_formkits_back(year_store, tmp_path):
    store = year_store
    (tmp_path / "总结.pdf").write_bytes(pdf_report())
    kept, = attach([tmp_path / "总结.pdf"], store, UNIT, YEAR)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE attachments SET unit_id = 'U011' WHERE id = :id"), {"id": kept.attachment})
    assert [p["code"] for p in store.verify()["audit"]] == ["audit.attachment-differs"]
    store.objects.path(kept.sha256).chmod(0o644)
    store.objects.path(kept.sha256).write_bytes(b"changed")
    assert [p["attachment"] for p in store.verify()["corrupt"]] == [kept.attachment]


def test_the_command_line_says_what_it_kept(store_url, issued, tmp_path):
    with Store(store_url, tmp_path / "o") as store:
        store.record_issued(issued_rows(issued[1], YEAR))
    (tmp_path / "总结.docx").write_bytes(word_report())
    env = {"FORMKIT_ORIGINALS": str(tmp_path / "o")}
    ran = CliRunner().invoke(main, ["ingest", "--db", store_url, "--attach-to", UNIT, str(tmp_path / "总结.docx")],
                             env=env)
    assert ran.exit_code == 0 and "已附在 U012 名下的自评总结 1 份（其中重复 0 份），未保存 0 份" in ran.output, ran.output
    assert "总结.docx：已附上（第 1 份）" in ran.output
