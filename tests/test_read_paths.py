"""The reading path's shortcuts read exactly what the careful path reads: the one-pass walk of a plain
document's tables against the careful walk, the compiled schema checks against cerberus, the locator's
issued-layout shortcut against its full index, the package's own central directory reader and inflating
against zipfile's, what is remembered of a part by its stored bytes against the part itself, custom
properties read without a parse against the parser, a footer's text without the walk up from every node
against the walk, remembered and plain-digit values against normalising them."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import YEAR
from fixtures import hostile_values as hv
from lxml import etree

from formkit.errors import FormkitError
from formkit.forms import form_ids, load_form
from formkit.ooxml import footer as footer_module
from formkit.ooxml import grid, runs
from formkit.ooxml.document import read_docx
from formkit.ooxml.footer import footer_text
from formkit.ooxml.ns import NS, qn
from formkit.ooxml.package import Package, _directory, plain_properties
from formkit.ooxml.xml import parse
from formkit.pipeline import read_document
from formkit.read import layout_of, load_source, record
from formkit.read.locate import Locator, _nearest, label_key, prepared
from formkit.read.normalise import BadValue, normalise_amount
from formkit.read.sniff import classify
from formkit.validate.schema import _leaves, _refused, _schema, _validator

COUNTY, UNIT = "U001-130731", "U001"
GOLDEN = Path(__file__).parent / "fixtures" / "golden"
OTHER_NS = 'xmlns:x="urn:example:not-word"'


# the one-pass walk ------------------------------------------------------------------------------------------

def _spans(xml: str, tag: str) -> list[tuple[int, int]]:
    """Start and end of every ``<w:tag>…</w:tag>`` (the forms nest neither rows nor cells)."""
    return [(m.start(), xml.index(f"</w:{tag}>", m.start()) + len(f"</w:{tag}>"))
            for m in re.finditer(f"<w:{tag}>", xml)]


def _wrap(xml: str, tag: str, n: int, before: str, after: str) -> str:
    start, end = _spans(xml, tag)[n]
    return xml[:start] + before + xml[start:end] + after + xml[end:]


def _in_cell(xml: str, n: int, runs: str) -> str:
    """``runs`` added to the first paragraph of cell ``n``."""
    start, end = _spans(xml, "tc")[n]
    at = xml.index("</w:p>", start)
    return xml[:at] + runs + xml[at:]


def _tc_pr(xml: str, n: int, props: str) -> str:
    start, _end = _spans(xml, "tc")[n]
    at = xml.index("</w:tcPr>", start)
    return xml[:at] + props + xml[at:]


def _odd_but_plain(xml: str) -> str:
    """Everything a plain document may hold that the one pass must read as the careful walk does: rows and
    cells inside content controls and custom XML (the wrapper's own properties are not the cell's), a merge
    recorded only as a tracked property change, tab stops, tabs, line breaks, a legacy check box, a run-level
    control with its tag, a second paragraph, a cell continuing the one above."""
    xml = _wrap(xml, "tr", 1, '<w:sdt><w:sdtPr><w:tag w:val="row"/><w:showingPlcHdr/></w:sdtPr><w:sdtContent>',
                "</w:sdtContent></w:sdt>")
    xml = _wrap(xml, "tr", 2, '<w:customXml w:element="row">', "</w:customXml>")
    xml = _wrap(xml, "tc", 7, '<w:sdt><w:sdtPr><w:tag w:val="wrapper"/><w:showingPlcHdr/></w:sdtPr><w:sdtContent>',
                "</w:sdtContent></w:sdt>")
    xml = _tc_pr(xml, 9, '<w:tcPrChange w:id="1" w:author="x" w:date="2026-01-01T00:00:00Z"><w:tcPr>'
                         '<w:gridSpan w:val="3"/></w:tcPr></w:tcPrChange>')
    xml = _in_cell(xml, 11, '<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/></w:r>')
    xml = xml.replace('<w:pStyle w:val="FKCell"/></w:pPr>',
                      '<w:pStyle w:val="FKCell"/><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>', 3)
    xml = _in_cell(xml, 13, '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:checked/>'
                            '</w:checkBox></w:ffData></w:fldChar></w:r>')
    xml = _in_cell(xml, 15, '<w:sdt><w:sdtPr><w:tag w:val="fk:inline"/></w:sdtPr><w:sdtContent><w:r><w:t>x</w:t>'
                            '</w:r></w:sdtContent></w:sdt>')
    start, end = _spans(xml, "tc")[17]
    xml = xml[:end - len("</w:tc>")] + "<w:p><w:r><w:t>second</w:t></w:r></w:p>" + xml[end - len("</w:tc>"):]
    xml = _tc_pr(xml, 0, '<w:vMerge w:val="restart"/>')
    return _tc_pr(xml, 2, "<w:vMerge/>")


def _body(data: bytes):
    package = Package(data)
    return package.xml(package.main_part()).find(qn("w:body"))


def _careful(body) -> list:
    return grid._tables(body, grid._Doc(body, plain=False))


def _shape(tables) -> list:
    """Every table's number, caption and cells, and which grid positions hold the same (merged) cell."""
    return [(t.number, t.caption, t.rows, [[row.index(c) for c in row] for row in t.rows]) for t in tables]


@pytest.mark.parametrize("which", ["cf", "sa"])
def test_the_one_pass_walk_reads_every_table_as_the_careful_walk(which, request):
    data = request.getfixturevalue(which)
    for variant in (data, hv.edit_part(data, hv.DOCUMENT, _odd_but_plain)):
        body = _body(variant)
        doc = grid._Doc(body)
        assert doc.plain
        assert _shape(grid._tables(body, doc)) == _shape(_careful(body))  # the one pass, not a fallback
    shown = _shape(grid.tables(_body(hv.edit_part(data, hv.DOCUMENT, _odd_but_plain))))
    cells = [c for _n, _caption, rows, _same in shown for row in rows for c in row]
    assert any(c.span == 1 and c.text.endswith("a\tb\nc") for c in cells)
    assert any(c.checked is True and c.text.endswith("☒") for c in cells)
    assert any("fk:inline" in c.tags for c in cells) and not any({"row", "wrapper"} & set(c.tags) for c in cells)
    assert any(c.text.endswith("\nsecond") for c in cells)


def _blocks_wrapped(xml: str) -> str:
    """Every paragraph and table right in the body wrapped: paragraphs in custom XML, tables in a content control."""
    root = etree.fromstring(xml.encode())
    body = root.find(qn("w:body"))
    for el in list(body):
        if el.tag in (qn("w:p"), qn("w:tbl")):
            wrapper = etree.Element(qn("w:customXml") if el.tag == qn("w:p") else qn("w:sdt"))
            el.addprevious(wrapper)
            inner = wrapper if el.tag == qn("w:p") else etree.SubElement(wrapper, qn("w:sdtContent"))
            inner.append(el)
    return etree.tostring(root, encoding="unicode")


@pytest.mark.parametrize("which", ["cf", "sa"])
def test_captions_are_read_alike_whether_blocks_stand_in_the_body_or_in_wrappers(which, request):
    """A table's caption is the nearest paragraph with text before it, back to the table before, else the
    caption before: found among the body's own children by lxml, or by the walk through wrappers."""
    data = request.getfixturevalue(which)
    body = _body(data)
    assert next(body.iterchildren(*grid.WRAPPERS), None) is None  # the forms as issued: lxml finds the blocks
    captions = [(t.number, t.caption) for t in grid.tables(body)]
    assert captions[1][1].startswith("表1") and all(caption for _n, caption in captions)
    assert any(a[1] == b[1] for a, b in zip(captions[1:], captions[2:], strict=False)), "a table after a table keeps the caption"
    wrapped = _body(hv.edit_part(data, hv.DOCUMENT, _blocks_wrapped))
    assert next(wrapped.iterchildren(*grid.WRAPPERS), None) is not None
    assert [(t.number, t.caption) for t in grid.tables(wrapped)] == captions


@pytest.mark.parametrize("edit", [
    lambda xml: _in_cell(xml, 3, "</w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>inner</w:t></w:r></w:p></w:tc></w:tr>"
                                 "</w:tbl><w:p>"),
    lambda xml: _wrap(xml, "tr", 2, f"<x:row {OTHER_NS}>", "</x:row>"),
    lambda xml: _wrap(xml, "tc", 5, f"<x:cell {OTHER_NS}>", "</x:cell>"),
], ids=["nested-table", "row-in-unknown-element", "cell-in-unknown-element"])
def test_what_the_one_pass_cannot_read_is_left_to_the_careful_walk(cf, edit):
    body = _body(hv.edit_part(cf, hv.DOCUMENT, edit))
    with pytest.raises(grid._NotPlain):
        grid._tables(body, grid._Doc(body))
    assert _shape(grid.tables(body)) == _shape(_careful(body))


def test_a_grid_too_large_is_refused_on_the_one_pass_too(cf):
    with pytest.raises(FormkitError) as err:
        read_document(hv.huge_grid_span(cf))
    assert err.value.code == "docx.grid-too-large"


# compiled schema checks -------------------------------------------------------------------------------------

PROBES = (None, "", " ", "\u200b\u3000", "张三", "好", "较好", "中央企业", 0, 1, -1, 2021, 2026, 2101, 10**7, 10**8,
          0.5, -0.5, 1e300, float("nan"), float("inf"), True, False, date(2026, 6, 30), ["x"], {"x": 1})


def _cerberus(form, table, document) -> list:
    validator = _validator(form, table)
    validator.validate(document, normalize=False)
    return [(e.document_path, e.rule, e.constraint) for e in _leaves(validator._errors)]


@pytest.mark.parametrize("form_id", form_ids())
def test_compiled_checks_say_what_cerberus_says(form_id):
    form = load_form(form_id, YEAR)
    tables = [None] + [f.key for f in form.fields if f.is_table]
    accepted = 0
    for table in tables:
        for key in _validator(form, table).schema:
            for value in PROBES:
                refused = [(path, e.rule, e.constraint) for path, e in _refused(form, table, {key: value}, ())]
                assert refused == _cerberus(form, table, {key: value}), (table, key, value)
                accepted += not refused
    whole = {f.key: None for f in form.fields if not f.is_table}
    assert [(p, e.rule) for p, e in _refused(form, None, {**whole, "unknown": 1}, ())] == \
        [(p, r) for p, r, _c in _cerberus(form, None, {**whole, "unknown": 1})]
    assert accepted  # values the compiled checks let through without cerberus


@pytest.mark.parametrize("form_id", form_ids())
def test_the_checks_are_compiled_from_the_schema_cerberus_keeps(form_id):
    form = load_form(form_id, YEAR)
    for table in [None] + [f.key for f in form.fields if f.is_table]:
        assert {key: dict(rule) for key, rule in _validator(form, table).schema.items()} == _schema(form, table)


# the locator's shortcut -------------------------------------------------------------------------------------

@pytest.mark.parametrize("edit", [
    lambda data: data,
    lambda data: hv.set_label(data, "填表人", "填 表 人："),
    lambda data: hv.set_value(data, "填表人", hv.typed("联系电话")),
], ids=["as-issued", "label-respaced", "label-typed-as-a-value"])
def test_the_locator_finds_the_label_cells_its_full_index_finds(cf, edit):
    doc = load_source(edit(cf), "x.docx")
    form = load_form("county-feedback", YEAR)
    locator = Locator(form, doc, layout_of(form))
    expected = {}
    for f, key in prepared(form).singles:
        hits = locator._labels.get(key)
        if hits:
            expected[f.key] = _nearest(hits, locator.layout.labels.get(f.key))
    assert locator._label_cells == expected


def test_a_table_field_is_found_where_the_issued_form_had_it_or_else_by_its_header(sa):
    """Each table field of a returned self-assessment is where the issued form had it (``Layout.headers``), the
    table the search of every table's first rows finds too; with a table inserted before them, every table
    number changes and each is found by its header, its rows read alike."""
    form = load_form("self-assessment", YEAR)
    layout = layout_of(form)
    locator = Locator(form, load_source(sa, "x.docx"), layout)
    tables = [f for f in form.fields if f.is_table]
    assert set(layout.headers) == {f.key for f in tables}
    for f in tables:
        table, row, columns = locator._find_table(f)
        assert (table.number, row) == layout.headers[f.key] and len(columns) == len(f.columns)
        searched = locator._best_table([(c.key, label_key(c.label)) for c in f.columns], fuzzy=False)
        assert (searched[0], searched[1], searched[2]) == (table, row, columns)
    inserted = '<w:p/><w:tbl><w:tr><w:tc><w:p><w:r><w:t>插入的表格</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
    moved = hv.edit_part(sa, hv.DOCUMENT, lambda xml: xml.replace("</w:tbl>", "</w:tbl>" + inserted, 1))
    before, after = read_document(sa, "x.docx"), read_document(moved, "x.docx")
    assert {f.key: after.values[f.key] for f in tables} == {f.key: before.values[f.key] for f in tables}
    assert all(before.values[f.key] for f in tables)
    assert [cell["location"]["table"] for row in after.raw["funds"] for cell in row.values()] == \
        [cell["location"]["table"] + 1 for row in before.raw["funds"] for cell in row.values()]
    assert not [x for x in after.findings if x.code in ("read.table-missing", "read.column-missing")]


# the package ------------------------------------------------------------------------------------------------

def _central_entry(data: bytes, name: str) -> int:
    """Offset of ``name``'s central directory entry."""
    at = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack("<H", data[at + 28:at + 30])[0]
        if data[at + 46:at + 46 + name_length] == name.encode():
            return at
        extra, comment = struct.unpack("<HH", data[at + 30:at + 34])
        at += 46 + name_length + extra + comment


def _code(data: bytes) -> str:
    with pytest.raises(FormkitError) as err:
        read_document(data, "x.docx")
    return err.value.code


def test_a_part_whose_crc_or_local_name_disagrees_is_a_corrupt_file(cf):
    at = _central_entry(cf, hv.DOCUMENT) + 16
    crc = struct.unpack("<I", cf[at:at + 4])[0]
    assert _code(cf[:at] + struct.pack("<I", crc ^ 1) + cf[at + 4:]) == "docx.corrupt"
    with zipfile.ZipFile(io.BytesIO(cf)) as zf:
        local = zf.getinfo(hv.DOCUMENT).header_offset + 30
    renamed = cf[:local] + b"word/documenX.xml" + cf[local + len(hv.DOCUMENT):]
    assert _code(renamed) == "docx.corrupt"


def test_a_package_of_stored_parts_reads_as_a_deflated_one(cf):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, body in hv.entries(cf).items():
            zf.writestr(name, body)
    stored, deflated = read_document(out.getvalue(), "x.docx"), read_document(cf, "x.docx")
    assert stored.values == deflated.values and stored.findings == deflated.findings


def test_what_is_remembered_of_a_part_follows_its_bytes(cf):
    assert "FK-" in read_docx(cf).footer_text
    no_footer = hv.edit_part(cf, "word/_rels/document.xml.rels",
                             lambda xml: re.sub(r'<Relationship [^>]*Target="footer1.xml"/>', "", xml))
    assert read_docx(no_footer).footer_text == ""
    assert "FK-" in read_docx(cf).footer_text


@pytest.mark.parametrize("part", ["word/settings.xml", "word/fontTable.xml", "[Content_Types].xml"])
def test_a_dtd_in_a_part_not_read_is_refused_after_forms_like_it_were_read(cf, part):
    read_document(cf, "x.docx")
    assert _code(hv.late_dtd(cf, part, offset=10)) == "docx.dtd-forbidden"
    read_document(cf, "x.docx")


# the central directory ----------------------------------------------------------------------------------

def _facts(infos) -> list[tuple]:
    return [(i.filename, i.orig_filename, i.header_offset, i.compress_size, i.file_size, i.CRC, i.compress_type,
             i.flag_bits) for i in infos]


def _zipfile_facts(data: bytes) -> list[tuple]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return _facts(zf.infolist())


@pytest.mark.parametrize("which", ["cf", "sa", "libreoffice-resaved", "messy-typed"])
def test_the_central_directory_is_read_as_zipfile_reads_it(which, request):
    data = (GOLDEN / f"{which}.docx").read_bytes() if "-" in which else request.getfixturevalue(which)
    entries = _directory(data)
    assert entries is not None and _facts(entries) == _zipfile_facts(data)


def _commented(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in hv.entries(data).items():
            zf.writestr(name, body)
        zf.comment = "由某软件生成".encode()
    return out.getvalue()


def _extra_fields(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in hv.entries(data).items():
            info = zipfile.ZipInfo(name, (2026, 6, 30, 12, 0, 0))
            info.extra = struct.pack("<HHBI", 0x5455, 5, 1, 1782820800)  # an extended timestamp, as Info-ZIP adds
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, body)
    return out.getvalue()


def _nul_in_a_name(data: bytes) -> bytes:
    return hv.rezip({**hv.entries(data), "customXml/aXb.xml": b"<a/>"}).replace(b"customXml/aXb", b"customXml/a\0b")


@pytest.mark.parametrize("odd", [_commented, _extra_fields, lambda data: data + b"\0" * 7, _nul_in_a_name],
                         ids=["archive-comment", "extra-fields", "bytes-after-the-archive", "nul-in-a-name"])
def test_an_archive_left_to_zipfile_reads_as_a_plain_one(cf, odd):
    data = odd(cf)
    assert _directory(data) is None  # zipfile reads it
    read, plain = read_document(data, "x.docx"), read_document(cf, "x.docx")
    assert read.values == plain.values and read.findings == plain.findings


def test_a_damaged_central_directory_is_refused_as_zipfile_refuses_it(cf):
    at = _central_entry(cf, hv.DOCUMENT)
    assert _code(cf[:at] + b"PK\x01\x09" + cf[at + 4:]) == "docx.corrupt"
    version = at + 6  # the version needed to extract: zipfile reads none above 6.3
    assert _code(cf[:version] + bytes([64]) + cf[version + 1:]) == "docx.corrupt"


def test_a_part_claiming_the_crc_and_sizes_of_one_remembered_is_not_taken_for_it(cf):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, body in hv.entries(cf).items():
            zf.writestr(name, body)
    stored = out.getvalue()
    read_document(stored, "x.docx")  # its styles are remembered (what they hide)
    with zipfile.ZipFile(io.BytesIO(stored)) as zf:
        info = zf.getinfo("word/styles.xml")
        start = info.header_offset + 30 + len(info.filename.encode())
        body = zf.read(info)
    at = body.index(b"<w:style ")
    changed = body[:at] + b"<w:STYLE " + body[at + 9:]  # same length, same claimed CRC: other bytes
    assert _code(stored[:start] + body[:at] + changed[at:] + stored[start + len(body):]) == "docx.corrupt"


# custom properties without a parse ------------------------------------------------------------------------

def _parsed_properties(part: bytes) -> dict[str, str]:
    return {p.get("name", ""): "".join(p.itertext()) for p in parse(part).iter(f"{{{NS['cp']}}}property")}


@pytest.mark.parametrize("value", ["太行县（测试）", "A & B <c> \"d\" 'e'", "tab\tthere", "line\nbreak", "cr\r\nlf",
                                   "  spaces  ", "]]>", "emoji 😀", "", "\u200b零宽", "U+FFFE \ufffe"])
def test_custom_properties_read_without_a_parse_are_what_the_parser_reads(cf, value):
    data = hv.set_property(cf, "formkit.recipient_name", value)
    part = hv.entries(data)["docProps/custom.xml"]
    try:
        parsed = _parsed_properties(part)
    except FormkitError as err:  # not XML at all: refused, as the parser refuses it
        assert plain_properties(part) is None and _code(data) == err.code
        return
    assert plain_properties(part) in (None, parsed)
    assert Package(data).custom_properties() == parsed


@pytest.mark.parametrize("which", ["cf", "libreoffice-resaved", "messy-typed"])
def test_the_properties_of_forms_as_issued_and_resaved_are_read_without_a_parse_or_parsed(which, request):
    data = (GOLDEN / f"{which}.docx").read_bytes() if "-" in which else request.getfixturevalue(which)
    part = hv.entries(data)["docProps/custom.xml"]
    fast = plain_properties(part)
    assert fast == _parsed_properties(part) or (which == "messy-typed" and fast is None)  # an &amp; in it
    assert Package(data).custom_properties() == _parsed_properties(part)


# a footer's text ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("edit", [
    lambda xml: xml,
    lambda xml: xml.replace("<w:r>", '<w:del w:id="9" w:author="x"><w:r><w:delText>旧</w:delText></w:r></w:del><w:r>', 1),
    lambda xml: xml.replace("<w:r>", hv.alternate((hv.W14, "选择"), (None, "回退")) + "<w:r>", 1),
], ids=["as-issued", "deleted-text", "alternate-content"])
def test_a_footer_reads_as_the_walk_that_looks_up_from_every_node(cf, edit):
    footer = Package(hv.edit_part(cf, "word/footer1.xml", edit)).xml("word/footer1.xml")
    walked = "\n".join(runs.paragraph_text(p) for p in footer.iter(runs.W_P) if runs.own_paragraph(p, footer, ()))
    assert runs.element_text(footer) == walked.strip() and "FK-" in walked


def _footer_part(data: bytes, edit) -> bytes:
    """The footer of ``data`` with ``edit(bytes) -> bytes`` applied."""
    parts = hv.entries(data)
    parts["word/footer1.xml"] = edit(parts["word/footer1.xml"])
    return hv.rezip(parts)


def _code_text(xml: bytes, text: str) -> bytes:
    """The footer with the identity code's run holding ``text`` instead."""
    code = re.compile(rb"(<w:t[^>]*>) ?" + "识别码".encode() + rb"[^<]*(</w:t>)")
    return code.sub(lambda m: m.group(1) + text.encode() + m.group(2), xml, count=1)


FOOTER_EDITS = {
    "other-code": lambda x: _code_text(x, " 识别码：FK-CF-2026-U009-600009-V2（请勿删除）"),
    "spaces-tabs-lines": lambda x: _code_text(x, "  识别码：\tFK-CF-2026-U009-600009-V2\n "),
    "empty": lambda x: _code_text(x, ""),
    "greater-than": lambda x: _code_text(x, "a > b"),
    "entity": lambda x: _code_text(x, "FK-CF-2026-U009-600009-V2 &amp; &#x4e59;"),
    "carriage-return": lambda x: _code_text(x, "FK-CF-2026-U009\r\n-600009-V2"),
    "control-character": lambda x: _code_text(x, "FK-CF\x01-2026"),
    "cdata-end": lambda x: _code_text(x, "a]]>b"),
    "not-a-character": lambda x: _code_text(x, "a\ufffeb"),
    "bad-utf8": lambda x: x.replace("识别码".encode(), b"\xff\xfe\x80", 1),
    "slot-characters": lambda x: _code_text(x, "\ue000" + "0" + "\ue001"),
    "deleted-run": lambda x: x.replace(b"<w:r>", '<w:del w:id="9" w:author="x"><w:r><w:t>旧</w:t></w:r></w:del><w:r>'.encode(),
                                       1),
    "dtd": lambda x: x.replace(b"?>", b'?><!DOCTYPE w:ftr [<!ENTITY e "x">]>', 1),
    "comment-in-text": lambda x: _code_text(x, "FK<!--c-->-CF"),
}


@pytest.mark.parametrize("edit", sorted(FOOTER_EDITS))
def test_a_footer_learnt_reads_as_the_parser_reads_it(cf, sa, edit):
    def parsed(data: bytes) -> object:
        try:
            return runs.element_text(Package(data).xml("word/footer1.xml"))
        except FormkitError as exc:
            return exc.code

    def fast(data: bytes) -> object:
        try:
            return footer_text(Package(data), "word/footer1.xml")
        except FormkitError as exc:
            return exc.code

    for learnt in (cf, sa):  # footers of this skeleton learnt (the county's and the unit's)
        assert fast(learnt) == parsed(learnt) and "FK-" in fast(learnt)
    for edited in (_footer_part(cf, FOOTER_EDITS[edit]), _footer_part(sa, FOOTER_EDITS[edit])):
        assert fast(edited) == parsed(edited)
        assert fast(edited) == parsed(edited)  # once more, after learning from it


def test_a_footer_like_one_learnt_is_read_without_the_parser_and_counts_as_free_of_a_dtd(cf, monkeypatch):
    footer_text(Package(cf), "word/footer1.xml")  # learnt
    package = Package(_footer_part(cf, FOOTER_EDITS["other-code"]))
    monkeypatch.setattr(Package, "xml", lambda *_a: pytest.fail("parsed"))
    assert "FK-CF-2026-U009-600009-V2" in footer_text(package, "word/footer1.xml")
    assert "word/footer1.xml" in package._parsed  # refuse_dtds need not inflate it again


W_NS = NS["w"]
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
FOOTER_LAYOUTS = {  # footers of other markup, each learnt, then read again with other words in the same places
    "attribute-with-greater-than": '<w:p><w:r><w:t xml:space="preserve" w:x="a>b">{}</w:t></w:r></w:p>',
    "slot-character-references": "<w:p><w:r><w:t>{}</w:t></w:r><w:r><w:t>&#xe000;0&#xe001;&#xe000;9&#xe001;</w:t></w:r></w:p>",
    "comment-holding-a-run": "<w:p><!--<w:t>{}</w:t>--><w:r><w:t>{}</w:t></w:r></w:p>",
    "instruction-holding-a-run": "<w:p><?pi <w:t>{}</w:t>?><w:r><w:t>{}</w:t></w:r></w:p>",
    "cdata-run": "<w:p><w:r><w:t><![CDATA[<w:t>B>]]></w:t><w:t>{}</w:t></w:r></w:p>",
    "deleted-run": '<w:p><w:del w:id="1" w:author="x"><w:r><w:t>{}</w:t></w:r></w:del><w:r><w:t>{}</w:t></w:r></w:p>',
    "strict-namespace-further-on": ('<w:p><w:r><w:t>{}</w:t></w:r></w:p>'
                                    f'<w:p xmlns:w="{STRICT_W}"><w:r><w:t>B</w:t></w:r></w:p>'),
    "tab-before": "<w:p><w:r><w:tab/><w:t>{}</w:t></w:r><w:r><w:t>{}</w:t></w:r></w:p>",
}
FOOTER_WORDS = ["甲", "  乙\t", "", "a--b", "a?>b", STRICT_W, "L" * 2100, "&amp;", "\ue000" + "0" + "\ue001"]


def _footer_package(layout: str, word: str) -> bytes:
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr xmlns:w="{W_NS}">'
           + layout.replace("{}", word) + "</w:ftr>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/footer1.xml", xml.encode())
    return out.getvalue()


def _footer_read(data: bytes, fast: bool) -> object:
    try:
        package = Package(data)
        return footer_text(package, "word/footer1.xml") if fast else runs.element_text(package.xml("word/footer1.xml"))
    except FormkitError as exc:
        return exc.code


@pytest.mark.parametrize("layout", sorted(FOOTER_LAYOUTS))
def test_a_footer_of_any_markup_learnt_reads_as_the_parser_reads_it(layout):
    footer_module._LEARNT.clear()
    for word in ["CODE-1", *FOOTER_WORDS, "CODE-2"]:  # each read after the ones before were learnt
        data = _footer_package(FOOTER_LAYOUTS[layout], word)
        assert _footer_read(data, fast=True) == _footer_read(data, fast=False), word


def _shifted(data: bytes, by: int) -> bytes:
    """The zip with every offset its central directory and end record hold raised by ``by`` (zipfile still
    reads it, counting the difference as data before the archive)."""
    end = len(data) - 22
    sig, disk, first, here, count, size, at, comment = struct.unpack("<4s4H2LH", data[end:])
    out, p = bytearray(data), at
    for _ in range(count):
        names, extra, note = struct.unpack("<3H", out[p + 28:p + 34])
        out[p + 42:p + 46] = struct.pack("<L", struct.unpack("<L", out[p + 42:p + 46])[0] + by)
        p += 46 + names + extra + note
    out[end:] = struct.pack("<4s4H2LH", sig, disk, first, here, count, size, at + by, comment)
    return bytes(out)


def test_a_workbook_is_known_by_its_directory_wherever_its_end_record_says_the_directory_is():
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    saved = io.BytesIO()
    book.save(saved)
    parts = zipfile.ZipFile(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:  # a picture first, as a workbook with a logo has
        z.writestr("xl/media/image1.png", bytes(range(256)) * 80, compress_type=zipfile.ZIP_STORED)
        for name in parts.namelist():
            z.writestr(name, parts.read(name))
    data = out.getvalue()
    at = struct.unpack("<L", data[-6:-2])[0]
    shifted = _shifted(data, data.find(b"xl/workbook.xml", at) - at + 1)  # the record points past its name
    assert zipfile.ZipFile(io.BytesIO(shifted)).read("xl/workbook.xml")
    assert classify(data, "a.xlsx").name == classify(shifted, "a.xlsx").name == "xlsx"
    assert classify(data + b"", "a.docx").name == "xlsx"  # by its bytes, never its name


# values ---------------------------------------------------------------------------------------------------

def test_values_remembered_by_their_text_are_the_values_normalised_again(cf, sa, monkeypatch):
    messy = [hv.set_value(cf, "投入帮扶资金实际到位（万元）", hv.typed("一千二百万元")),
             hv.set_value(cf, "投入帮扶资金实际到位（万元）", hv.typed("约300")),
             hv.set_value(cf, "评价年度", hv.typed("二〇二六")), sa, cf]
    remembered = [read_document(data, "x.docx").as_dict() for data in messy + messy]
    monkeypatch.setattr(record, "MEMO_CHARS", -1)  # every text normalised again
    assert [read_document(data, "x.docx").as_dict() for data in messy + messy] == remembered


@pytest.mark.parametrize("text", ["0", "945.58", "007", "1.0000005", "0.0000001", "123456789012345",
                                  "1234567890123456", "99999999999999.99", "12.000000"])
def test_a_plain_amount_reads_as_the_general_path_reads_it(text):
    def outcome(typed: str):
        try:
            return normalise_amount(typed)
        except BadValue as bad:
            return bad.code, bad.reason
    assert outcome(text) == outcome(" " + text)  # a space before it: the general path, which strips it
