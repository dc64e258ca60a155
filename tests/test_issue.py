import csv
import io
import zipfile
from pathlib import Path

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
    assert all(not r[1].strip() and r[4] == "☐" for r in visits)  # date (blank until picked) and checkbox controls
    funds = view.table(["资金投向县", "投入无偿资金", "投入有偿资金", "引进无偿资金", "引进有偿资金"])
    assert [r[0] for r in funds] == [c.name for c in counties] + ["合计"]  # summed by formkit, not a Word field
    assert all(not x.strip() for x in funds[-1][1:])
    responsibility = view.table(["责任书指标", "计量单位", "承诺值", "完成值", "完成率"])
    assert [r[0] for r in responsibility][:2] == ["投入帮扶资金", "引进帮扶资金"]
    assert all(not r[4].strip() for r in responsibility)  # 完成率: computed when read, printed blank
    secretaries = view.table(["所在县", "所驻村", "第一书记姓名", "派出单位", "任职开始时间", "任职结束时间"])
    assert len(secretaries) == 3
    assert not view.value("是否存在违纪违规问题").strip()  # a 是/否 dropdown, blank until picked
    assert view.value("存在的主要问题") == ""  # long text: the empty cell below the label


def test_every_label_sits_in_exactly_one_cell(issued):
    for form_id, rid in (("self-assessment", "U001"), ("county-feedback", "U001-130731")):
        form = load_form(form_id)
        view = DocView(doc_for(issued, form_id, rid))
        for field in form.fields:
            if field.is_table:
                assert len([t for t in view.tables if [c.text for c in t.rows[0]] == header(field)]) == 1
                assert field.label in view.text()
            else:
                assert len(view.label_cells(field.label)) == 1, field.label


def header(table) -> list[str]:
    """A table field's header row: its columns' labels, then those of the columns formkit computes."""
    return [c.label for c in table.columns] + [c.label for c in table.computed]


def test_county_feedback_is_prefilled(issued):
    view = DocView(doc_for(issued, "county-feedback", "U008-522731"))
    assert view.value("定点帮扶县") == "青岩县"
    assert view.value("被评价中央单位") == "东南农林大学"
    assert view.value("是否国家乡村振兴重点帮扶县") == "是"
    assert not view.value("综合评价等次").strip()
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


@pytest.mark.slow
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


@pytest.mark.slow
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
                assert header(field) in [[c.text for c in t.rows[0]] for t in view.tables]
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


@pytest.mark.slow
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


def _funds_table(document):
    labels = [c.label for c in load_form("self-assessment").field("funds").columns]
    return next(t for t in document.tables if [c.text for c in t.rows[0].cells] == labels)


def test_the_read_record_sums_the_total_row_and_computes_the_completion_rate(filled_forms, tmp_path):
    """合计 and 完成率 are printed blank and computed by formkit from the rows when it reads the form: figures
    typed into the 合计 row are not a county's row, and the record shows the sums and the rates."""
    from click.testing import CliRunner

    from formkit.cli import main
    from formkit.fill import type_into
    from formkit.forms import measures
    from formkit.pipeline import read_file

    document = docx.Document(str(filled_forms["U012"]))
    total = _funds_table(document).rows[-1]
    assert total.cells[0].text == "合计"
    for cell in total.cells[1:]:
        type_into(cell, "99999")  # a person's own (wrong) sum
    path = tmp_path / "typed-total.docx"
    document.save(str(path))
    result = read_file(path)
    funds = result.values["funds"]
    assert "合计" not in [r["county"] for r in funds] and not [f for f in result.findings if f.severity == "error"]
    expected = {k: round(sum(r[k] for r in funds), 2)
                for k in ("invested_free", "invested_repayable", "brought_free", "brought_repayable")}
    assert result.computed["funds"] == {"total": expected}
    rows = result.values["responsibility"]
    rates = result.computed["responsibility"]["完成率"]
    assert rates == [round(r["achieved"] / r["committed"], 4) if r["committed"] else None for r in rows]
    done = measures.completion("self-assessment", result.values)
    assert result.computed["responsibility"]["completion"]["shown"] == done.shown != "—"
    shown = CliRunner().invoke(main, ["read", str(path)]).output
    assert f"计算 帮扶资金情况（万元）合计：投入无偿资金 {expected['invested_free']:g}" in shown
    assert f"计算 责任书指标完成情况 完成率：{done.shown}" in shown


def test_a_finding_cites_the_table_number_printed_above_the_table(filled_forms, tmp_path):
    """表N in a finding (and so in a correction letter) is the caption the recipient's copy prints above the
    table, though the filer line is the copy's first table."""
    from formkit.findings import where_text
    from formkit.forms.tables import plan
    from formkit.pipeline import read_file

    form = load_form("self-assessment")
    document = docx.Document(str(filled_forms["U012"]))
    _funds_table(document).rows[1].cells[1].paragraphs[0].text = "约三百万"  # the first county's 投入无偿资金
    path = tmp_path / "approximate.docx"
    document.save(str(path))
    [bad] = [f for f in read_file(path).findings if f.code == "value.approximate"]
    assert bad.message.startswith("表8 第2行「投入无偿资金」：")
    copy = DocView(path)
    assert copy.tables[bad.location["table"] - 1].caption == "表8\u3000帮扶资金情况（万元）"
    for table, planned in zip(copy.tables, plan(form), strict=True):  # every numbered table under its caption
        assert table.caption == (planned.caption or table.caption)
    assert where_text({"table": 9, "cited": "表8", "row": 2}) == "表8 第2行"
    assert where_text({"table": 9, "row": 2}) == "表9 第2行"  # a location stored before: as it was


def test_a_copy_of_an_earlier_version_is_cited_by_what_it_prints():
    """A self-assessment issued at version 1 numbers no tables: its findings name the table's caption or the
    section, never a 表N the copy does not print."""
    import re

    from formkit.pipeline import read_file

    result = read_file(Path(__file__).parent / "fixtures" / "golden" / "findings-self-assessment.docx")
    assert result.version == 1
    messages = {f.code: f.message for f in result.findings}
    assert messages["value.approximate"].startswith("「帮扶资金情况（万元）」表 第2行「投入无偿资金」：")
    assert messages["value.several-numbers"].startswith("二、组织领导 第5行「召开定点帮扶专题工作会（次）」：")
    assert not [m for m in messages.values() if re.match(r"表\d", m)]


def test_a_copy_of_an_earlier_version_is_not_read_by_todays_positions(tmp_path):
    """Today's forms have a table more above the others (the filer line): a label deleted from a version-1
    copy is reported missing, never read from the cell where today's template has it (another table)."""
    import shutil

    from test_read import edit

    from formkit.pipeline import read_file

    golden = Path(__file__).parent / "fixtures" / "golden" / "self-assessment.docx"
    copy = shutil.copyfile(golden, tmp_path / "v1.docx")
    out = edit(copy, tmp_path / "v1-no-label.docx", replace=[(">定点帮扶专门工作机构<", ">机构<")])
    result = read_file(out)
    # by today's positions, a cadre's name in the table below would have been read as the working body
    assert result.version == 1 and result.values.get("working_body") is None
    assert [f.code for f in result.findings if f.field == "working_body"] == ["read.field-missing"]


def test_a_correction_letter_points_where_the_copy_shows_it():
    """The letter's 位置 column: the 表N printed above the table and the row as the finding names it (counted
    from the table's top, so the desk, `formkit read` and the letter agree); on a copy that
    numbers no tables, the section and the table's name; 表头 and 表尾 for the filer line and signature."""
    from formkit.findings import finding
    from formkit.letters import place

    form = load_form("self-assessment")
    funds = {"table": 9, "row": 2, "column": 2}
    at = "funds[0].invested_free"
    assert place(form, finding("x", "error", "…", "投入无偿资金", at, {**funds, "cited": "表8"})) \
        == "表8“帮扶资金情况（万元）”第2行"
    assert place(form, finding("x", "error", "…", "投入无偿资金", at, {**funds, "cited": "「帮扶资金情况（万元）」表"})) \
        == "四、促进乡村振兴“帮扶资金情况（万元）”表第2行"
    assert place(form, finding("x", "error", "…", "召开定点帮扶专题工作会（次）", "special_meetings",
                               {"table": 5, "row": 5, "cited": "表4"})) == "二、组织领导 表4"
    assert place(form, finding("x", "error", "…", "联系电话", "contact_phone", {"table": 14, "cited": "表尾"})) == "表尾"
