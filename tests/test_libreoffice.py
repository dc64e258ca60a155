"""Issued forms through LibreOffice: to PDF with the Chinese text intact, and re-saved as .docx with
every label and prefilled value still in its cell."""

import subprocess

import pdfplumber
import pytest
from conftest import FIXED, YEAR, doc_for, need_soffice
from docview import DocView

from formkit.convert import convert_many
from formkit.fill import fill_form
from formkit.forms import load_form
from formkit.issue import issue_forms
from formkit.roster import load_roster


@pytest.fixture(scope="module")
def soffice():
    exe = need_soffice()
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no CJK font installed: PDFs would show garbage instead of Chinese"
    return exe


def _cells(pdf_path) -> set[str]:
    """Every table cell's text in the PDF, with the line breaks of wrapping removed."""
    out = set()
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                for row in table:
                    out.update("".join((c or "").split()) for c in row)
    return out


@pytest.mark.slow
@pytest.mark.libreoffice
def test_every_issued_form_converts_to_pdf_with_its_chinese_text(soffice, issued, tmp_path):
    out, results = issued
    pdfs = convert_many([out / r.file for r in results], tmp_path)
    failures = [p for p in pdfs if not hasattr(p, "is_file")]
    assert failures == []
    for row, pdf in zip(results, pdfs, strict=True):
        form = load_form(row.form)
        cells = _cells(pdf)
        for field in form.fields:
            labels = [c.label for c in field.columns] if field.is_table else [field.label]
            for label in labels:
                assert "".join(label.split()) in cells, (row.file, label)
        assert row.unit in cells
        if row.county:
            assert row.county in cells
        with pdfplumber.open(pdf) as doc:
            first = doc.pages[0].extract_text()
            footer = doc.pages[-1].extract_text()
        assert f"{YEAR}年度{form.title}".replace(" ", "") in "".join(first.split())
        assert row.code in footer


@pytest.mark.libreoffice
def test_rare_characters_and_markup_survive_into_the_pdf(soffice, tmp_path):
    name = "A&B<研究>院 𠮷"
    (tmp_path / "units.csv").write_text(f"编号,单位名称,单位类别\nU1,{name},中央企业\n", encoding="utf-8")
    (tmp_path / "pairs.csv").write_text(
        f"单位名称,定点帮扶县,县代码,所属省份,是否重点帮扶县\n{name},𠮷林县,100001,某省,是\n", encoding="utf-8")
    results = issue_forms(load_roster(tmp_path), YEAR, tmp_path / "out", created=FIXED)
    pdfs = convert_many([tmp_path / "out" / r.file for r in results], tmp_path / "pdf")
    for pdf in pdfs:
        cells = _cells(pdf)
        assert "".join(name.split()) in cells
    assert "𠮷林县" in _cells(pdfs[0])


@pytest.mark.libreoffice
def test_libreoffice_resave_keeps_labels_and_prefilled_values(soffice, issued, tmp_path):
    sources = [doc_for(issued, "self-assessment", "U012"), doc_for(issued, "county-feedback", "U005-433131")]
    resaved = convert_many(sources, tmp_path, "docx:MS Word 2007 XML")
    for source, copy in zip(sources, resaved, strict=True):
        before, after = DocView(source), DocView(copy)
        form = load_form(before.properties["formkit.form"])
        for field in form.fields:
            if field.is_table:
                labels = [c.label for c in field.columns] + [c.label for c in field.computed]  # 完成率 too
                assert after.table(labels)[: len(before.table(labels))] == before.table(labels), field.label
            else:
                assert len(after.label_cells(field.label)) == 1, field.label
                if field.prefilled:
                    assert after.value(field.label) == before.value(field.label), field.label
        assert after.properties.get("formkit.recipient") == before.properties["formkit.recipient"]
        assert before.properties["formkit.code"] in after.footer_text()


@pytest.mark.libreoffice
def test_filled_values_survive_a_libreoffice_resave(soffice, issued, tmp_path):
    form = load_form("county-feedback", YEAR)
    filled = tmp_path / "filled.docx"
    values = {"grade_overall": "好", "return_to_poverty": "否", "fill_date": "2026年12月1日",
              "cadres_present": "2", "comment_overall": "帮扶力度大，成效明显。"}
    fill_form(doc_for(issued, "county-feedback", "U010-522732"), filled, form, values)
    [copy] = convert_many([filled], tmp_path / "lo", "docx:MS Word 2007 XML")
    view = DocView(copy)
    for key, text in values.items():
        assert view.value(form.field(key).label) == text


@pytest.mark.libreoffice
def test_a_template_resaved_by_libreoffice_still_issues(soffice, sample_roster, tmp_path):
    """A secretariat that restyles the templates in LibreOffice instead of Word."""
    from formkit.resources import templates_dir

    folder = tmp_path / "templates"
    convert_many([templates_dir() / "self-assessment.docx", templates_dir() / "county-feedback.docx"], folder,
                 "docx:MS Word 2007 XML")
    results = issue_forms(sample_roster, YEAR, tmp_path / "out", templates=folder, created=FIXED)
    assert not [(r.error_code, r.error) for r in results if r.error_code]
    unit = next(u for u in sample_roster.units if u.id == "U012")
    view = DocView(tmp_path / "out" / next(r.file for r in results if r.recipient_id == "U012"))
    assert view.value("单位名称") == unit.name
    assert view.properties["formkit.recipient"] == "U012"
    rows = view.table(["定点帮扶县", "所属省（区、市）", "是否国家乡村振兴重点帮扶县"])
    assert [r[0] for r in rows] == [c.name for c in sample_roster.counties_of(unit)]
