"""The review dossier, built from the store: every unit has its section with everything its self-assessment
and its counties' feedback capture, the summary totals equal the sums of the rows, every flag case appears,
the cover names the compiling body and its date and has no page number, and the same store gives the same
bytes. The rendered PDF is measured as a reader sees it: no page number on the cover, no word broken on it,
no summary header printed one character per line, each unit's pages carrying its answers."""

import re
import zipfile
from datetime import date, timedelta, timezone

import pytest
from conftest import YEAR
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from formkit.config import load_config
from formkit.dossier import MANIFEST, build_dossier
from formkit.dossier.compose import SOURCES, headings
from formkit.dossier.summary import funds_rows, leadership_rows
from formkit.evaluation.units import evaluate
from formkit.forms.cycle import cycle

GRADES = ("好", "较好", "一般")
BEIJING = timezone(timedelta(hours=8))
# what the 分类集中审阅 must read beside the figures: 1.2–1.4, 2.2, area 4 (4.1–4.4), the 责任书, the counts
UNIT_KEYS = ("annual_plan", "working_body", "responsible_person", "special_meetings", "policy_guidance",
             "monitoring", "cadre_care", "industry_projects", "jobs_supported", "basic_guarantees", "innovation",
             "long_term", "consumer_bought", "consumer_sold", "consumer_narrative", "problems", "next_year_plan")
COUNTY_KEYS = ("grade_leadership", "grade_cadres", "grade_revitalisation", "grade_innovation", "grade_overall",
               "problems", "suggestions")


def collect(store, year, category=None):
    return evaluate(store, cycle(year), category)


def blocks(path) -> list[str]:
    """The document's paragraphs and table rows as text, in reading order (a row: its cells joined by |)."""
    doc = Document(str(path))
    out = []
    for child in doc.element.body.iterchildren():
        if child.tag.endswith("}p"):
            out.append(Paragraph(child, doc).text)
        elif child.tag.endswith("}tbl"):
            out += ["|".join(c.text for c in row.cells) for row in Table(child, doc).rows]
    return out


def sections(path, dossier) -> dict[str, str]:
    """Unit id → the text of its section (from its heading to the next heading), whitespace removed."""
    text = blocks(path)
    titles = [t for _level, t in headings(dossier)]
    start = text.index(titles[0], text.index("目　　录") + len(titles) + 1)  # past the contents
    at = [text.index(t, start) for t in titles]
    ids = iter(u.recipient_id for _c, _l, us in dossier.categories for u in us)
    units = {t: next(ids) for level, t in headings(dossier) if level == 1 and t != "（一）主要指标汇总"}
    return {units[t]: "".join("".join(text[a:b]).split()) for t, a, b in zip(titles, at, [*at[1:], len(text)], strict=True)
            if t in units}


def flat(text) -> str:
    return "".join(str(text).split())


def money(x) -> str:
    return f"{x:,.2f}"


@pytest.mark.slow
def test_dossier_content_matches_the_store(stocked, sample_roster, tmp_path):
    dossier = collect(stocked, YEAR)
    units = [u for _c, _l, us in dossier.categories for u in us]
    assert sorted(u.unit for u in units) == sorted(u.name for u in sample_roster.units)
    flags = {u.recipient_id: " ".join(f.text for f in u.flags) for u in units}
    assert "违纪违规" in flags["U002"] and "规模性返贫" in flags["U007"]
    assert "云雾县「投入帮扶资金实际到位（万元）」" in flags["U010"]
    assert "自评表未报送" in flags["U014"] and "黄土坡县地方评价表未报送" in flags["U009"]
    for _name, _lead, us in dossier.categories:  # each total is the sum of the rows above it, as printed
        for rows, columns in ((leadership_rows(us, GRADES), (1, 3, 4)), (funds_rows(us), (1, 2, 4, 5, 6, 7))):
            assert rows[-1][0] == "合计" and len(rows) == len(us) + 1
            for col in columns:
                shown = [float(r[col].replace(",", "")) for r in rows[:-1] if r[col] not in ("—", "未报送")]
                assert float(rows[-1][col].replace(",", "")) == pytest.approx(sum(shown), abs=0.01)
    out, _ = build_dossier(stocked, cycle(YEAR), tmp_path / "a" / "dossier.docx")
    doc = Document(str(out))
    summaries = [t for t in doc.tables if t.rows[0].cells[0].text == "单位"]
    assert len(summaries) == 2 * len(dossier.categories)  # two summary tables per category
    for table in summaries:  # headers broken between words only, by hand
        assert all(len(line) >= 2 for cell in table.rows[0].cells for line in cell.text.split("\n"))
    assert sorted(r.cells[0].text for t in summaries[::2] for r in t.rows[1:-1]) == \
        sorted(u.name for u in sample_roster.units)  # one row per unit
    text = [t.strip() for t in blocks(out)]
    assert SOURCES == "附：材料清单（含文件校验码）" and text.count(SOURCES) == 2  # the contents and the heading
    assert not any("SHA-256" in t for _l, t in headings(dossier))
    listed = " ".join(text[text.index(SOURCES, text.index(SOURCES) + 1):])
    assert all(s.sha256 in listed for s in dossier.sources)  # every source by its checksum
    assert (out.parent / MANIFEST).read_text().split()[1] == "dossier.docx"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_summary_reads_return_to_poverty_per_county_as_the_flags_do(stocked):
    """青岩县 is assisted by two units; one pair's form reports 规模性返贫, the other's not: the county is barred
    for both (a fact about the county), so both rows show what both units' flags say, not each pair's own answer."""
    categories = collect(stocked, YEAR).categories
    units = [u for _c, _l, us in categories for u in us]
    sharing = [u for u in units if "青岩县" in [c.county for c in u.counties]]
    assert sorted(u.recipient_id for u in sharing) == ["U007", "U008"]
    said = {u.recipient_id: [c.return_to_poverty for c in u.counties if c.county == "青岩县"] for u in sharing}
    assert said == {"U007": [True], "U008": [False]}  # the pairs' own answers differ
    shown = {row[0]: row[6] for _c, _l, us in categories for row in leadership_rows(us, GRADES)[:-1]}
    for u in sharing:
        flag = next(f for f in u.flags if f.params and dict(f.params).get("county") == "青岩县")
        assert flag.code == "flag.poverty-conflict" and "待秘书处核实" in flag.text
        assert shown[u.unit] == "待核实"


@pytest.mark.slow
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_every_answer_of_every_unit_and_county_is_in_its_section(stocked, tmp_path):
    this = cycle(YEAR)
    dossier = collect(stocked, YEAR)
    out, _ = build_dossier(stocked, this, tmp_path / "dossier.docx")
    section = sections(out, dossier)
    unit_form, county_form = this.form("self-assessment"), this.form("county-feedback")
    narratives = [f.key for form in (unit_form, county_form) for f in form.fields if f.type == "longtext"]
    checked = 0
    for _c, _l, units in dossier.categories:
        for unit in units:
            text = section[unit.recipient_id]
            answers = [(unit_form, unit.values)] if unit.submission else []
            answers += [(county_form, c.submission.values) for c in unit.counties if c.submission]
            for form, values in answers:  # every narrative typed into either form, whole
                for key in narratives:
                    if key in form._index and values.get(key):
                        assert flat(values[key]) in text, (unit.unit, key)
                        checked += 1
            if not unit.submission:
                assert "自评表未报送" in text
                continue
            values = unit.values
            for key in UNIT_KEYS:  # the label of each new item, and its value
                assert flat(unit_form.field(key).label) in text, (unit.unit, key)
            assert f"召开定点帮扶专题工作会（次）|{values['special_meetings']}" in text
            assert f"引进帮扶项目（个）|{values['industry_projects']:,}" in text
            assert f"助力脱贫人口稳岗就业（人）|{values['jobs_supported']:,}" in text
            assert f"购买脱贫地区农产品（万元）|{money(values['consumer_bought'])}" in text
            assert f"是否存在违纪违规问题|{'是' if values['violations'] else '否'}" in text
            for row in values["responsibility"]:  # each indicator with its 完成率, worked out here
                if row.get("committed"):
                    assert flat(f"{row['indicator']}|") in text
                    assert f"|{row['achieved'] / row['committed'] * 100:.1f}%" in text
            for county in unit.counties:
                if county.submission:
                    for key in COUNTY_KEYS:
                        assert flat(county_form.field(key).label) in text
                        assert flat(county.submission.values[key]) in text
    assert checked > 200
    assert "一名挂职干部违反工作纪律，已严肃处理。" in section["U002"]  # the violation declared, in detail


@pytest.mark.slow
def test_the_cover_names_the_compiling_body_and_date_without_a_page_number(stocked, tmp_path):
    out, dossier = build_dossier(stocked, cycle(YEAR), tmp_path / "dossier.docx", when=date(YEAR + 1, 1, 8))
    doc = Document(str(out))
    cover = blocks(out)[:blocks(out).index("目　　录")]
    assert load_config(YEAR).coordinator in cover and f"{YEAR + 1}年1月8日" in cover
    assert f"合计||{sum(len(u) for _c, _l, u in dossier.categories)}" in cover
    first = doc.sections[0]
    assert first.different_first_page_header_footer  # the cover's own footer, without the PAGE field
    assert "PAGE" not in first.first_page_footer._element.xml and "PAGE" in first.footer._element.xml
    later, _ = build_dossier(stocked, cycle(YEAR), tmp_path / "b" / "dossier.docx")  # by default: the latest material
    latest = max(s.received_at for s in dossier.sources).replace(tzinfo=timezone.utc).astimezone(BEIJING)
    assert f"{latest.year}年{latest.month}月{latest.day}日" in blocks(later)[:blocks(later).index("目　　录")]


@pytest.mark.slow
def test_the_same_store_gives_the_same_bytes(stocked, tmp_path):
    from formkit.dossier.compose import compose, title
    from formkit.issue.templates import normalise_zip
    from formkit.ooxml.props import finish_document
    from formkit.outputs import save

    a, dossier = build_dossier(stocked, cycle(YEAR), tmp_path / "a" / "dossier.docx")
    b, _ = build_dossier(stocked, cycle(YEAR), tmp_path / "b" / "dossier.docx")
    assert a.read_bytes() == b.read_bytes()
    assert zipfile.ZipFile(a).testzip() is None
    assert (tmp_path / "a" / MANIFEST).read_text() == (tmp_path / "b" / MANIFEST).read_text()
    # the units' pages are spooled as XML while it is written: the bytes are those of the whole tree saved
    whole = compose(dossier, cycle(YEAR))
    finish_document(whole, load_config(YEAR).coordinator, title(YEAR), max(s.received_at for s in dossier.sources))
    assert save(whole, tmp_path / "c.docx", normalise_zip).read_bytes() == a.read_bytes()


def test_one_category(stocked, tmp_path):
    _path, dossier = build_dossier(stocked, cycle(YEAR), tmp_path / "c" / "高校.docx", category="高等院校")
    assert [c for c, _l, _u in dossier.categories] == ["高等院校"]
    assert len(dossier.categories[0][2]) == 3


@pytest.mark.slow
@pytest.mark.libreoffice
def test_one_dossier_per_category_rendered_in_parallel(stocked, sample_roster, tmp_path):
    from conftest import need_soffice

    from formkit.dossier import build_per_category
    from formkit.pdf.measure import outlines

    need_soffice()
    built = build_per_category(stocked, cycle(YEAR), tmp_path / "per", pdf=True)
    categories = [dossier.categories[0][0] for _path, dossier in built]
    assert categories == ["民主党派中央和全国工商联", "中央和国家机关", "高等院校", "金融机构", "中央企业"]
    for path, dossier in built:
        name = dossier.categories[0][0]
        units = [u.name for u in sample_roster.units if u.category == name]
        assert [u.unit for u in dossier.categories[0][2]] == units
        assert [x.id for x in dossier.sources] == [x.id for x in collect(stocked, YEAR, name).sources]
        titles = [t for _level, t in outlines(path.with_suffix(".pdf"))]
        assert titles[0].endswith(f"{name}（牵头部门：{dossier.categories[0][1]}）")
        assert all(any(t.endswith(unit) for t in titles) for unit in units)  # a bookmark per unit of the category
    listed = (tmp_path / "per" / MANIFEST).read_text(encoding="utf-8")
    assert listed.count(".pdf") == 5 and listed.count(".docx") == 5


def pdf_lines(page) -> list[str]:
    """A PDF page's text lines, top to bottom (characters grouped by their baseline)."""
    rows: dict[int, list] = {}
    for ch in page.chars:
        rows.setdefault(round(ch["bottom"]), []).append(ch)
    return ["".join(c["text"] for c in sorted(chars, key=lambda c: c["x0"])).strip()
            for _top, chars in sorted(rows.items())]


def header_cells(page) -> list[list[str]]:
    """Every summary table's header cells on ``page``: each the lines of text inside it."""
    out = []
    for table in page.find_tables():
        first = table.rows[0].cells
        cells = []
        for box in first:
            inside = [c for c in page.chars if box and box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2]
                      and box[1] <= (c["top"] + c["bottom"]) / 2 <= box[3]]
            lines: dict[int, str] = {}
            for c in sorted(inside, key=lambda c: c["x0"]):
                lines[round(c["bottom"])] = lines.get(round(c["bottom"]), "") + c["text"]
            cells.append([lines[k] for k in sorted(lines)])
        if cells and cells[0] == ["单位"]:
            out.append(cells)
    return out


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the pages do not depend on the database
def test_the_rendered_dossier_reads_as_a_reviewer_needs(stocked, tmp_path):
    import pdfplumber
    from conftest import need_soffice

    from formkit.gongwen.check import FAIL, check_docx, check_pdf
    from formkit.gongwen.title import title_lines
    from formkit.pdf.measure import heading_pages, measure, outlines

    need_soffice()
    this = cycle(YEAR)
    out, dossier = build_dossier(stocked, this, tmp_path / "d" / "dossier.docx", pdf=True)
    pdf = out.with_suffix(".pdf")
    expected = headings(dossier)
    assert [(level + 1, title) for level, title in expected] == outlines(pdf)  # a bookmark per category and unit
    pages = heading_pages(pdf, [t for _l, t in expected])
    assert pages == sorted(pages) and pages[0] >= 3  # after the cover and the contents
    with pdfplumber.open(pdf) as rendered:
        texts = [re.sub(r"—\d+—$", "", flat(p.extract_text() or "")) for p in rendered.pages]  # without page numbers
        contents = "".join(texts[1:pages[0] - 1])  # from page 2 to the page before the first heading
        shown, at = [], 0
        for _level, title in expected:  # each entry in order: its title, dot leaders, the page LibreOffice filled in
            found = re.compile(re.escape(flat(title)) + r"\.*(\d+)").search(contents, at)
            shown.append(int(found.group(1)))
            at = found.end()
        assert shown == pages
        cover = pdf_lines(rendered.pages[0])  # the cover: title lines whole, each category on one line
        assert [line for line in cover if line in title_lines(f"{YEAR}年度中央单位定点帮扶工作成效考核评价材料汇编")] == \
            list(title_lines(f"{YEAR}年度中央单位定点帮扶工作成效考核评价材料汇编"))
        for name, lead, units in dossier.categories:
            assert f"{name}{lead}{len(units)}" in [flat(line) for line in cover]
        assert load_config(YEAR).coordinator in cover
        summary_pages = {n for i, (_l, t) in enumerate(expected) if t == "（一）主要指标汇总"
                         for n in range(pages[i] - 1, pages[i + 1] - 1)}  # up to its category's first unit
        heads = [cells for n in sorted(summary_pages) for cells in header_cells(rendered.pages[n])]
        assert len(heads) >= 2 * len(dossier.categories)
        for cells in heads:  # every header line holds at least two characters: none printed one per line
            assert all(len(line) >= 2 for lines in cells for line in lines), cells
    measured = measure(pdf)["page_numbers"]
    assert measured[0] is False and all(measured[1:])  # no number on the cover, every other page numbered
    unit_at = {t: i for i, (_l, t) in enumerate(expected)}
    for _c, _l, units in dossier.categories:  # each unit's pages hold the new areas' labels and answers
        for unit in units:
            n = unit_at[next(t for t in unit_at if t.endswith(f"）{unit.unit}"))]
            pages_of = "".join(texts[pages[n] - 1:pages[n + 1]])
            if unit.submission:
                form = this.form("self-assessment")
                for key in ("policy_guidance", "monitoring", "cadre_care", "basic_guarantees", "innovation",
                            "long_term", "consumer_narrative"):
                    assert flat(form.field(key).label) in pages_of and flat(unit.values[key]) in pages_of
                assert "责任书指标完成情况" in pages_of and "完成率" in pages_of
            for county in unit.counties:
                if county.submission:
                    assert flat(county.submission.values["problems"]) in pages_of
    data = out.read_bytes()  # as `formkit check-format` reads it: the cover is declared (a distinct first page)
    failed = [c.id for c in check_docx(data) + check_pdf(pdf, imprint=False, docx=data) if c.result == FAIL]
    assert failed == []
    assert "dossier.pdf" in (out.parent / MANIFEST).read_text()
