"""The review dossier, built from the store: every unit has its section, summary totals equal the sums of
the unit figures, every flag case appears, and the same store gives the same bytes."""

import re
import zipfile

import pytest
from conftest import YEAR

from formkit.dossier import MANIFEST, build_dossier
from formkit.dossier.compose import summary_rows
from formkit.evaluation.units import evaluate
from formkit.forms.cycle import cycle
from formkit.ooxml.grid import tables
from formkit.ooxml.package import Package


def collect(store, year, category=None):
    return evaluate(store, cycle(year), category)


def test_dossier_content_matches_the_store(stocked, sample_roster, tmp_path):
    dossier = collect(stocked, YEAR)
    units = [u for _c, _l, us in dossier.categories for u in us]
    assert sorted(u.unit for u in units) == sorted(u.name for u in sample_roster.units)
    flags = {u.recipient_id: " ".join(f.text for f in u.flags) for u in units}
    assert "违纪违规" in flags["U002"] and "规模性返贫" in flags["U007"]
    assert "云雾县「投入帮扶资金实际到位（万元）」" in flags["U010"]
    assert "自评表未报送" in flags["U014"] and "黄土坡县地方评价表未报送" in flags["U009"]
    for _name, _lead, us in dossier.categories:
        rows = summary_rows(us, ("好", "较好", "一般"))
        total = rows[-1]
        assert total[0] == "合计"
        assert int(total[1]) == sum(u.figures.visits for u in us)
        assert float(total[4].replace(",", "")) == pytest.approx(sum(u.figures.invested for u in us), abs=0.01)
        assert int(total[7]) == sum(u.figures.trained for u in us)
    out, _ = build_dossier(stocked, cycle(YEAR), tmp_path / "a" / "dossier.docx")
    package = Package(out.read_bytes())
    body = package.xml(package.main_part())
    texts = [c.text for t in tables(body) for row in t.rows for c in row]
    import re

    full = " ".join(texts)
    summary_units = [row[0].text for t in tables(body) if t.rows[0][0].text == "单位" for row in t.rows[1:-1]]
    assert sorted(summary_units) == sorted(u.name for u in sample_roster.units)  # one summary row per unit
    for unit in sample_roster.units:
        assert unit.name in full
    assert re.search(r"[0-9a-f]{64}", full)  # the annex lists every source by sha256
    assert (out.parent / MANIFEST).read_text().split()[1] == "dossier.docx"


def test_the_same_store_gives_the_same_bytes(stocked, tmp_path):
    a, _ = build_dossier(stocked, cycle(YEAR), tmp_path / "a" / "dossier.docx")
    b, _ = build_dossier(stocked, cycle(YEAR), tmp_path / "b" / "dossier.docx")
    assert a.read_bytes() == b.read_bytes()
    assert zipfile.ZipFile(a).testzip() is None
    assert (tmp_path / "a" / MANIFEST).read_text() == (tmp_path / "b" / MANIFEST).read_text()


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


@pytest.mark.slow
@pytest.mark.libreoffice
def test_dossier_pdf_has_bookmarks_a_paged_contents_and_the_official_layout(stocked, tmp_path):
    from conftest import need_soffice

    from formkit.dossier.compose import headings
    from formkit.gongwen.check import FAIL, check_docx, check_pdf
    from formkit.pdf.measure import heading_pages, outlines

    need_soffice()
    out, dossier = build_dossier(stocked, cycle(YEAR), tmp_path / "d" / "dossier.docx", pdf=True)
    pdf = out.with_suffix(".pdf")
    expected = headings(dossier)
    assert [(level + 1, title) for level, title in expected] == outlines(pdf)  # a bookmark per category and unit
    pages = heading_pages(pdf, [t for _l, t in expected])
    assert pages == sorted(pages) and pages[0] >= 3  # after the cover and the contents
    import pdfplumber

    with pdfplumber.open(pdf) as rendered:  # the contents run from page 2 to the page before the first heading
        contents = "".join("".join(rendered.pages[i].extract_text().split()) for i in range(1, pages[0] - 1))
    shown, at = [], 0
    for _level, title in expected:  # each entry in order: its title, dot leaders, the page LibreOffice filled in
        found = re.compile(re.escape("".join(title.split())) + r"\.*(\d+)").search(contents, at)
        shown.append(int(found.group(1)))
        at = found.end()
    assert shown == pages
    failed = [c.id for c in check_docx(out.read_bytes()) + check_pdf(pdf, imprint=False) if c.result == FAIL]
    assert failed == []
    assert "dossier.pdf" in (out.parent / MANIFEST).read_text()
