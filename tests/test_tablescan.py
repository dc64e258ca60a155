"""The C scan of a plain table (``formkit.ooxml._tablescan``, which lays out its cells too) gives exactly the
grid the Python walk (``grid._plain_grid``) gives, or leaves the table to it: on the issued and filled forms,
on every kind of markup the walk treats with care, and on a few hundred random edits of a filled form. In CI
the scan must be built (hatch_build.py); elsewhere without a compiler its tests skip and the Python walk reads."""

from __future__ import annotations

import os
import random
import re

import pytest
from fixtures import hostile_values as hv
from lxml import etree

from formkit.document import Cell
from formkit.errors import FormkitError
from formkit.limits import DEFAULT
from formkit.ooxml import grid
from formkit.ooxml.ns import NS, qn
from formkit.ooxml.package import Package
from formkit.ooxml.xml import parse
from formkit.resources import template_path

W14 = f'xmlns:w14="{NS["w14"]}"'


@pytest.fixture(autouse=True)
def built():
    if grid._scan is None:
        if os.environ.get("CI"):
            pytest.fail("the C table scan is not built in CI: hatch_build.py must compile it (gcc, lxml's headers)")
        pytest.skip("the C table scan is not built here (no C compiler): tables are read by the Python walk")


def _main_xml(data: bytes) -> str:
    package = Package(data)
    return package.read(package.main_part()).decode()


def _outcome(xml: str, scan) -> object:
    """The tables of a document as one walk reads them (``scan`` None: the Python walk alone), or the error."""
    original = grid._scan
    grid._scan = scan
    try:
        body = parse(xml.encode()).find(qn("w:body"))
        tables = grid._tables(body, grid._Doc(body))
    except grid._NotPlain:
        return "not plain"
    except FormkitError as exc:
        return exc.code
    finally:
        grid._scan = original
    return [(t.number, t.caption, t.rows, [[row.index(c) for c in row] for row in t.rows]) for t in tables]


def _same(xml: str) -> None:
    assert _outcome(xml, grid._scan) == _outcome(xml, None)


@pytest.mark.parametrize("which", ["cf", "sa"])
def test_every_table_of_a_filled_form_is_scanned_in_c_and_laid_out_as_the_python_walk(which, request):
    data = request.getfixturevalue(which)
    body = parse(_main_xml(data).encode()).find(qn("w:body"))
    tables = list(grid._blocks(body))
    for tbl in (t for t in tables if t.tag == qn("w:tbl")):
        assert grid._scan(tbl, 10_000, 10_000_000, Cell) is not None  # the scan reads it: not left to Python
    _same(_main_xml(data))


@pytest.mark.parametrize("form", ["self-assessment", "county-feedback"])
def test_the_issued_templates_scan_as_the_python_walk_reads_them(form):
    _same(_main_xml(template_path(form).read_bytes()))


CELL = "<w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>"
EDITS = {  # (what is put where): each must read as the Python walk reads it, scanned or left to it
    "gridSpan-odd": ('<w:gridSpan w:val=" 2"/>', "tcPr"),
    "gridSpan-plus": ('<w:gridSpan w:val="+2"/>', "tcPr"),
    "gridSpan-arabic-digit": ('<w:gridSpan w:val="٢"/>', "tcPr"),
    "gridSpan-empty": ('<w:gridSpan w:val=""/>', "tcPr"),
    "gridSpan-zero": ('<w:gridSpan w:val="0"/>', "tcPr"),
    "gridSpan-char-ref": ('<w:gridSpan w:val="&#51;"/>', "tcPr"),
    "gridSpan-no-val": ("<w:gridSpan/>", "tcPr"),
    "gridSpan-huge": ('<w:gridSpan w:val="999999999"/>', "tcPr"),
    "vMerge-empty": ('<w:vMerge w:val=""/>', "tcPr"),
    "vMerge-continue": ("<w:vMerge/>", "tcPr"),
    "vMerge-restart": ('<w:vMerge w:val="restart"/>', "tcPr"),
    "merge-in-property-change": ('<w:tcPrChange w:id="1" w:author="x"><w:tcPr><w:gridSpan w:val="3"/></w:tcPr>'
                                 "</w:tcPrChange>", "tcPr"),
    "comment-before-tcPr": ("<!--x-->", "tc"),
    "tab-stop": ('<w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs>', "p"),
    "tab-break-return": ("<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/></w:r>", "p"),
    "cdata": ("<w:r><w:t><![CDATA[<x>&]]>y</w:t></w:r>", "p"),
    "comment-in-text": ("<w:r><w:t>a<!--x-->b</w:t></w:r>", "p"),
    "pi-in-text": ("<w:r><w:t>a<?pi x?>b</w:t></w:r>", "p"),
    "entity-text": ("<w:r><w:t>&lt;&amp;&#x4e59;</w:t></w:r>", "p"),
    "empty-t": ("<w:r><w:t/></w:r>", "p"),
    "control-tag-placeholder": ('<w:sdt><w:sdtPr><w:tag w:val="fk:x"/><w:showingPlcHdr/></w:sdtPr><w:sdtContent>'
                                "<w:r><w:t>z</w:t></w:r></w:sdtContent></w:sdt>", "p"),
    "control-empty-tag": ('<w:sdt><w:sdtPr><w:tag w:val=""/></w:sdtPr></w:sdt>', "p"),
    "control-box-checked": (f'<w:sdt><w:sdtPr><w14:checkbox {W14}><w14:checked w14:val="1"/></w14:checkbox>'
                            "</w:sdtPr></w:sdt>", "p"),
    "control-box-true": (f'<w:sdt><w:sdtPr><w14:checkbox {W14}><w14:checked w14:val="true"/></w14:checkbox>'
                         "</w:sdtPr></w:sdt>", "p"),
    "control-box-no-state": (f"<w:sdt><w:sdtPr><w14:checkbox {W14}/></w:sdtPr></w:sdt>", "p"),
    "control-two-boxes": (f'<w:sdt><w:sdtPr><w14:checkbox {W14}><w14:checked w14:val="1"/></w14:checkbox>'
                          f'</w:sdtPr></w:sdt><w:sdt><w:sdtPr><w14:checkbox {W14}><w14:checked w14:val="0"/>'
                          "</w14:checkbox></w:sdtPr></w:sdt>", "p"),
    "control-properties-alone": ('<w:sdtPr><w:tag w:val="stray"/></w:sdtPr>', "p"),
    "legacy-check-box": ("<w:r><w:fldChar><w:ffData><w:checkBox><w:checked/></w:checkBox></w:ffData></w:fldChar>"
                         "</w:r>", "p"),
    "second-paragraph": ("<w:p><w:r><w:t>second</w:t></w:r></w:p>", "tc"),
    "nested-table": (f"<w:tbl><w:tr>{CELL}</w:tr></w:tbl><w:p/>", "tc"),
    "cell-in-control": (f"<w:sdt><w:sdtPr><w:tag w:val=\"c\"/></w:sdtPr><w:sdtContent>{CELL}</w:sdtContent></w:sdt>",
                        "tr"),
    "control-after-the-last-cell": ('<w:sdt><w:sdtPr><w:tag w:val="after"/><w:showingPlcHdr/></w:sdtPr></w:sdt>',
                                    "tr"),
    "row-in-custom-xml": (f'<w:customXml w:element="r"><w:tr>{CELL}</w:tr></w:customXml>', "tbl"),
    "row-without-cells": ("<w:tr/>", "tbl"),
    "foreign-element": ('<x:y xmlns:x="urn:x"><w:t>foreign</w:t></x:y>', "p"),
    "cell-in-foreign-element": (f'<x:y xmlns:x="urn:x">{CELL}</x:y>', "tr"),
}


def _put(xml: str, what: str, where: str, n: int) -> str:
    """``what`` put as the first child of the ``n``-th ``<w:where>`` (``tcPr``: of the ``n``-th cell's properties)."""
    starts = [m.end() for m in re.finditer(f"<w:{where}(?: [^>]*)?>", xml)]
    at = starts[n % len(starts)]
    return xml[:at] + what + xml[at:]


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_what_the_walk_treats_with_care_reads_the_same_scanned_or_left_to_it(cf, edit):
    what, where = EDITS[edit]
    xml = _main_xml(cf)
    for n in (0, 3, 7):
        _same(_put(xml, what, where, n))


def test_a_grid_too_large_is_refused_with_the_scan_too(cf):
    with pytest.raises(FormkitError) as err:
        grid.tables(parse(_main_xml(hv.huge_grid_span(cf)).encode()).find(qn("w:body")))
    assert err.value.code == "docx.grid-too-large"
    wide = _main_xml(cf).replace("<w:tr>", "<w:tr>" + CELL * (DEFAULT.grid_columns + 1), 1)
    assert _outcome(wide, grid._scan) == _outcome(wide, None) == "docx.grid-too-large"


PIECES = [snippet for snippet, _where in EDITS.values()] + [
    "<w:p/>", "<w:tab/>", "<w:br/>", "<w:t>t</w:t>", CELL, f"<w:tr>{CELL}</w:tr>", "<w:vMerge/>",
    '<w:gridSpan w:val="2"/>', "<w:tcPr/>", "<w:tc/>", "<!--c-->"]


@pytest.mark.slow
def test_random_edits_of_a_filled_form_read_the_same_scanned_or_left_to_the_walk(sa):
    xml = _main_xml(sa)
    start, end = xml.index("<w:tbl>"), xml.rindex("</w:tbl>")
    places = [m.end() for m in re.finditer(">", xml[start:end])]
    rng, scanned = random.Random(14), 0
    for _ in range(300):
        edited = xml
        for at in sorted(rng.sample(places, rng.randint(1, 4)), reverse=True):
            edited = edited[:start + at] + rng.choice(PIECES) + edited[start + at:]
        _same(edited)
        body = parse(edited.encode()).find(qn("w:body"))
        scanned += any(grid._scan(t, 10_000, 10_000_000, Cell) is not None for t in body.iter(qn("w:tbl")))
    assert scanned > 100  # most edits leave tables the scan reads: the comparison is not all fallbacks


def test_the_scan_takes_only_a_word_table():
    with pytest.raises(TypeError):
        grid._scan("<w:tbl/>", 1, 1, Cell)
    with pytest.raises(ValueError):
        grid._scan(etree.fromstring(f'<w:tr xmlns:w="{NS["w"]}"/>'), 1, 1, Cell)
