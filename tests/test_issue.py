import csv
import io
import zipfile

import docx
import pytest
from conftest import FIXED, YEAR, doc_for
from docview import DocView

from formkit.errors import IssueError
from formkit.forms import load_form
from formkit.issue import issue_forms
from formkit.issue.batch import MANIFEST
from formkit.issue.render import PreparedTemplate
from formkit.issue.templates import build_templates
from formkit.resources import templates_dir
from formkit.roster import load_roster


def test_one_valid_document_per_recipient(issued, sample_roster):
    out, results = issued
    assert not [r for r in results if r.error_code]
    forms = [r.form for r in results]
    assert forms.count("self-assessment") == len(sample_roster.units)
    assert forms.count("county-feedback") == len(sample_roster.pairs)
    for r in results:
        path = out / r.file
        docx.Document(str(path))  # python-docx opens it
        view = DocView(path)
        assert view.properties["formkit.form"] == r.form
        assert view.properties["formkit.recipient"] == r.recipient_id
        assert view.properties["formkit.year"] == str(YEAR)
        assert view.properties["formkit.version"] == str(load_form(r.form).version)
        assert r.code in view.footer_text()


def test_manifest_says_what_went_to_whom(issued):
    out, results = issued
    with open(out / MANIFEST, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(results)
    first = next(r for r in rows if r["表单"] == "county-feedback" and r["接收方编号"] == "U007-522731")
    assert first["中央单位"] == "北方理工大学" and first["定点帮扶县"] == "青岩县" and first["牵头部门"] == "教育部"
    assert (out / first["文件"]).is_file()


def test_self_assessment_is_prefilled_beside_labels(issued, sample_roster):
    unit = next(u for u in sample_roster.units if u.id == "U012")
    view = DocView(doc_for(issued, "self-assessment", "U012"))
    assert view.value("单位名称") == unit.name
    assert view.value("单位类别") == "中央企业"
    assert view.value("定点帮扶牵头部门") == "国务院国资委"
    assert view.value("评价年度") == str(YEAR)
    counties = sample_roster.counties_of(unit)
    rows = view.table(["定点帮扶县", "所属省（区、市）", "是否国家乡村振兴重点帮扶县"])
    assert rows == [[c.name, c.province, "是" if c.key_county else "否"] for c in counties]
    visits = view.table(["调研考察县", "调研日期", "负责同志姓名", "职务", "是否主要负责同志"])
    assert [r[0] for r in visits] == [c.name for c in counties] + ["", ""]  # one row per county, room for more
    assert all(r[1] == "请选择日期" and r[4] == "☐" for r in visits)  # date and checkbox controls
    funds = view.table(["资金投向县", "投入无偿资金", "投入有偿资金", "引进无偿资金", "引进有偿资金"])
    assert [r[0] for r in funds] == [c.name for c in counties]
    assert view.value("是否存在违纪违规问题") == "请选择"  # a 是/否 dropdown
    assert view.value("存在的主要问题") == ""  # long text: the empty cell below the label


def test_every_label_sits_in_exactly_one_cell(issued):
    for form_id, rid in (("self-assessment", "U001"), ("county-feedback", "U001-130731")):
        form = load_form(form_id)
        view = DocView(doc_for(issued, form_id, rid))
        for field in form.fields:
            if field.is_table:
                assert len([t for t in view.tables if [c.text for c in t.rows[0]] == [c.label for c in field.columns]]) == 1
                assert field.label in view.text()
            else:
                assert len(view.label_cells(field.label)) == 1, field.label


def test_county_feedback_is_prefilled(issued):
    view = DocView(doc_for(issued, "county-feedback", "U008-522731"))
    assert view.value("定点帮扶县") == "青岩县"
    assert view.value("被评价中央单位") == "东南农林大学"
    assert view.value("是否国家乡村振兴重点帮扶县") == "是"
    assert view.value("综合评价等次") == "请选择"
    assert view.properties["formkit.county_code"] == "522731"


def test_controls_offer_the_configured_choices(issued):
    path = doc_for(issued, "county-feedback", "U001-130731")
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode()
    for grade in ("好", "较好", "一般"):
        assert f'w:displayText="{grade}"' in xml
    assert "w14:checkbox" not in xml  # the county form has no table booleans
    assert "<w:date>" in xml and "w:dropDownList" in xml


def test_official_fonts_language_page_and_rows(issued):
    path = doc_for(issued, "self-assessment", "U001")
    with zipfile.ZipFile(path) as zf:
        styles = zf.read("word/styles.xml").decode()
        fonts = zf.read("word/fontTable.xml").decode()
        body = zf.read("word/document.xml").decode()
    assert 'w:eastAsia="仿宋_GB2312"' in styles and 'w:eastAsia="方正小标宋简体"' in styles
    assert 'w:eastAsia="黑体"' in styles and 'w:eastAsia="zh-CN"' in styles
    assert 'w:name="仿宋_GB2312"' in fonts and '<w:altName w:val="仿宋"/>' in fonts
    d = docx.Document(str(path))
    sec = d.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert (round(sec.top_margin.mm), round(sec.left_margin.mm)) == (37, 28)
    assert body.count("<w:tr>") + body.count("<w:tr ") == body.count("<w:cantSplit/>")


def test_sdt_ids_are_unique(issued):
    import re

    with zipfile.ZipFile(doc_for(issued, "self-assessment", "U012")) as zf:
        ids = re.findall(r'<w:id w:val="(-?\d+)"/>', zf.read("word/document.xml").decode())
    assert len(ids) > 20 and len(ids) == len(set(ids))


NASTY = "A&B<研究>院“甲”'乙' 𠮷"


def test_names_with_markup_and_rare_characters(tmp_path):
    (tmp_path / "units.csv").write_text(f"编号,单位名称,单位类别\nU1,{NASTY},中央企业\n", encoding="utf-8")
    (tmp_path / "pairs.csv").write_text(
        f"单位名称,定点帮扶县,县代码,所属省份,是否重点帮扶县\n{NASTY},𠮷<县>&,100001,某省,是\n", encoding="utf-8")
    results = issue_forms(load_roster(tmp_path), YEAR, tmp_path / "out", created=FIXED)
    assert not [r.error for r in results if r.error]
    sa = DocView(tmp_path / "out" / next(r.file for r in results if r.form == "self-assessment"))
    assert sa.value("单位名称") == NASTY
    assert sa.properties["formkit.unit"] == NASTY
    cf = DocView(tmp_path / "out" / next(r.file for r in results if r.form == "county-feedback"))
    assert cf.value("定点帮扶县") == "𠮷<县>&" and cf.value("被评价中央单位") == NASTY
    for r in results:
        assert "/" not in r.file.split("/", 1)[1]


def test_missing_variable_is_an_error_not_an_empty_string():
    tpl = PreparedTemplate(templates_dir() / "county-feedback.docx")
    with pytest.raises(IssueError) as err:
        tpl.render({"doc": {"year": 2026, "code": "X"}, "v": {}, "t": {}}, {}, "t", "2026-01-01T00:00:00Z")
    assert err.value.code == "issue.missing-variable"


def test_a_failing_recipient_does_not_stop_the_batch(tmp_path, sample_roster):
    # a template a secretariat broke for one variable: the rest of the batch is still issued
    broken = tmp_path / "templates"
    build_templates(broken)
    with zipfile.ZipFile(broken / "county-feedback.docx") as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    entries["word/document.xml"] = entries["word/document.xml"].replace(b"v.province", b"v.provinz")
    with zipfile.ZipFile(broken / "county-feedback.docx", "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    results = issue_forms(sample_roster, YEAR, tmp_path / "out", templates=broken, created=FIXED)
    failed = [r for r in results if r.error_code]
    assert len(failed) == len(sample_roster.pairs)
    assert {r.error_code for r in failed} == {"issue.missing-variable"}
    assert len([r for r in results if not r.error_code]) == len(sample_roster.units)


def test_template_build_is_deterministic(tmp_path):
    build_templates(tmp_path / "a")
    build_templates(tmp_path / "b")
    for path in (tmp_path / "a").glob("*.docx"):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()


def test_templates_match_the_definitions():
    """Whatever restyling the committed templates had, every field of the definitions is in them."""
    for form_id in ("self-assessment", "county-feedback"):
        form = load_form(form_id)
        view = DocView(templates_dir() / f"{form_id}.docx")
        for field in form.fields:
            if field.is_table:
                assert [c.label for c in field.columns] in [[c.text for c in t.rows[0]] for t in view.tables]
            else:
                assert len(view.label_cells(field.label)) == 1, field.label
                if field.prefill:
                    assert view.value(field.label) == f"{{{{ v.{field.key} }}}}"


def _rewrite_part(path, part, change):
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    entries[part] = change(entries[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_a_template_restyled_in_word_still_issues(tmp_path, sample_roster):
    """Word splits a tag into several runs when someone formats part of it; issuing copes."""
    folder = tmp_path / "templates"
    build_templates(folder)
    split = b'<w:t>{{ v.unit_</w:t></w:r><w:r><w:rPr><w:b/><w:color w:val="C00000"/></w:rPr><w:t>name }}</w:t>'
    def restyle(xml: bytes) -> bytes:
        assert xml.count(b"<w:t>{{ v.unit_name }}</w:t>") == 1
        return xml.replace(b"<w:t>{{ v.unit_name }}</w:t>", split)

    _rewrite_part(folder / "self-assessment.docx", "word/document.xml", restyle)
    results = issue_forms(sample_roster, YEAR, tmp_path / "out", forms=["self-assessment"], templates=folder,
                          created=FIXED)
    assert not [r for r in results if r.error_code]
    view = DocView(tmp_path / "out" / results[0].file)
    assert view.value("单位名称") == sample_roster.units[0].name


def test_same_input_gives_same_bytes(tmp_path, sample_roster):
    a = issue_forms(sample_roster, YEAR, tmp_path / "a", forms=["self-assessment"], created=FIXED)
    b = issue_forms(sample_roster, YEAR, tmp_path / "b", forms=["self-assessment"], created=FIXED)
    assert [r.sha256 for r in a] == [r.sha256 for r in b]
    assert io.BytesIO((tmp_path / "a" / a[0].file).read_bytes()).getvalue()[:2] == b"PK"
