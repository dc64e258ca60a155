"""The streaming pass over a plain main part (``formkit.ooxml._bodyscan``, expat, no tree) gives exactly the
tables, captions and tracked-insertion flag that lxml's tree and its walk give, or leaves the part to them:
on the issued and filled forms, on every document the tests know, on every kind of markup the walk treats
with care, on what a parser could read otherwise (namespaces, comments, encodings, depth, a DOCTYPE), and on a
few hundred random edits and byte-level damages of a filled form. In CI the pass must be built
(hatch_build.py); elsewhere without a compiler its tests skip and lxml parses every part."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from fixtures import hostile_values as hv
from test_corpus import CORPUS
from test_tablescan import EDITS, PIECES, _main_xml, _put

from formkit.document import Table
from formkit.errors import FormkitError
from formkit.limits import DEFAULT
from formkit.ooxml import grid, streamed
from formkit.ooxml.document import REVISIONS, read_docx
from formkit.ooxml.hidden import NOTHING_HIDDEN
from formkit.ooxml.ns import NS, qn
from formkit.ooxml.xml import parse

W = NS["w"]
ROOT = f'<w:document xmlns:w="{W}">'
HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def built():
    if streamed._scan is None:
        if os.environ.get("CI"):
            pytest.fail("the streaming scan is not built in CI: hatch_build.py must compile it (gcc)")
        pytest.skip("the streaming scan is not built here (no C compiler): lxml parses every main part")


def _described(tables: list[Table]) -> list:
    return [(t.number, t.caption, t.rows, [[row.index(c) for c in row] for row in t.rows]) for t in tables]


def _tree(xml: bytes) -> object:
    """The part's tables and tracked-insertion flag as lxml and the tree's walk read them, or the error."""
    try:
        body = parse(xml).find(qn("w:body"))
        if body is None:
            return "docx.no-body"
        return _described(grid.tables(body, NOTHING_HIDDEN, DEFAULT)), any(True for _ in body.iter(*REVISIONS))
    except FormkitError as exc:
        return exc.code


def _streamed(xml: bytes) -> object:
    found = streamed.scan(xml, DEFAULT)
    if found is None:
        return None
    grids, tracked = found
    return _described([Table(n, rows, caption) for n, (rows, caption) in enumerate(grids, 1)]), tracked


def _same(xml: str | bytes) -> bool:
    """The pass reads ``xml`` as the tree does, or leaves it; whether it read it."""
    data = xml.encode() if isinstance(xml, str) else xml
    found = _streamed(data)
    assert found is None or found == _tree(data)
    return found is not None


def _document(body: str, root: str = ROOT) -> str:
    return f"{root}<w:body>{body}</w:body></w:document>"


@pytest.mark.parametrize("which", ["cf", "sa"])
def test_a_filled_form_is_read_in_one_streaming_pass_as_the_tree_reads_it(which, request):
    assert _same(_main_xml(request.getfixturevalue(which)))


def _docx_files() -> list[Path]:
    roots = [HERE / "fixtures", HERE.parent / "templates", HERE.parent / "samples", CORPUS]
    return sorted(p for root in roots if root.is_dir() for p in root.rglob("*.docx"))


def _read(data: bytes, scan) -> object:
    original = streamed._scan
    streamed._scan = scan
    try:
        doc = read_docx(data)
        return (_described(doc.tables), doc.tracked_changes, doc.text, doc.footer_text, doc.properties,
                doc.producer, doc.macros)
    except FormkitError as exc:
        return exc.code
    finally:
        streamed._scan = original


def test_every_document_the_tests_know_reads_alike_streamed_or_parsed(cf, sa):
    """Templates, samples, golden and legacy fixtures, the shared corpus (WPS, LibreOffice, Google Docs, POI,
    damaged, encrypted): the whole document as formkit reads it, with the pass and without it."""
    files, used, scan = _docx_files(), [], streamed._scan

    def spying(*args):
        found = scan(*args)
        used.append(found is not None)
        return found

    for data in [cf, sa, *(p.read_bytes() for p in files)]:
        assert _read(data, spying) == _read(data, None)
    assert len(files) > 20 and sum(used) > 10  # the pass read many of them: not all left to lxml


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_what_the_walk_treats_with_care_reads_the_same_streamed_or_parsed(cf, edit):
    what, where = EDITS[edit]
    xml = _main_xml(cf)
    for n in (0, 3, 7):
        _same(_put(xml, what, where, n))


TRICKS = {  # markup a parser could read otherwise than the tree: read alike, or left to lxml
    "other-prefix-for-word": (_document('<x:tbl><x:tr><x:tc><x:p><x:r><x:t>甲</x:t></x:r></x:p></x:tc></x:tr></x:tbl>',
                                        f'<x:document xmlns:x="{W}">').replace("</w:body></w:document>",
                                                                              "</x:body></x:document>")
                              .replace("<w:body>", "<x:body>"), True),
    "default-namespace": (f'<document xmlns="{W}"><body><p><r><t>题</t></r></p><tbl><tr><tc><p><r><t>甲</t></r></p>'
                          "</tc></tr></tbl></body></document>", True),
    "declared-on-a-cell": (_document(f'<w:tbl><w:tr><w:tc xmlns:w="{W}"><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>'
                                     "</w:tr></w:tbl>"), False),
    "redeclared-elsewhere": (_document('<w:p xmlns:w="urn:other"><w:r><w:t>x</w:t></w:r></w:p><w:tbl/>'), False),
    "undeclared-attribute-prefix": (_document('<w:tbl><w:tr><w:tc q:x="1"><w:p/></w:tc></w:tr></w:tbl>'), False),
    "undeclared-element-prefix": (_document("<w:tbl><w:tr><w:tc><q:p/></w:tc></w:tr></w:tbl>"), False),
    "two-prefixes-one-namespace": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" xmlns:v="{W}">'), False),
    "xml-space": (_document('<w:tbl><w:tr><w:tc><w:p><w:r><w:t xml:space="preserve"> 甲 </w:t></w:r></w:p></w:tc>'
                            "</w:tr></w:tbl>"), True),
    "comment-in-prolog": ("<!-- prolog -->" + _document("<w:tbl/>"), True),
    "comment-in-body": (_document("<!--c--><w:tbl/>"), False),
    "doctype": ("<!DOCTYPE w:document>" + _document("<w:tbl/>"), False),
    "no-body": (f"{ROOT}</w:document>", False),
    "two-bodies": (f"{ROOT}<w:body><w:tbl/></w:body><w:body/></w:document>", False),
    "other-root": (_document("<w:tbl/>").replace("w:document", "w:other"), False),
    "body-in-a-control": (_document('<w:sdt><w:sdtContent><w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>'
                                    "</w:sdtContent></w:sdt>"), False),
    "table-in-a-paragraph": (_document("<w:p><w:tbl/></w:p><w:tbl/>"), False),
    "tracked-insertion": (_document('<w:p><w:ins w:id="1"><w:r><w:t>新</w:t></w:r></w:ins></w:p><w:tbl/>'), True),
    "tracked-deletion": (_document('<w:p><w:del w:id="1"><w:r><w:delText>旧</w:delText></w:r></w:del></w:p>'), False),
    "text-box": (_document("<w:p><w:r><w:txbxContent><w:p/></w:txbxContent></w:r></w:p>"), False),
    "hidden-run": (_document("<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>x</w:t></w:r></w:p>"), False),
    "caption-carried-over": (_document("<w:p><w:r><w:t> 表1 </w:t></w:r></w:p><w:tbl/><w:p/><w:tbl/>"
                                       "<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t></w:r></w:p><w:bookmarkStart/>"
                                       "<w:tbl/>"), True),
    "caption-tab-stop": (_document('<w:p><w:pPr><w:tabs><w:tab w:val="left"/></w:tabs></w:pPr><w:r><w:t>题</w:t>'
                                   "<w:br/></w:r></w:p><w:tbl/>"), True),
    "caption-text-then-child": (_document("<w:p><w:r><w:t>a<w:x/>b</w:t></w:r></w:p><w:tbl/>"), True),
    "control-in-a-control's-properties": (_document(
        '<w:tbl><w:tr><w:tc><w:sdt><w:sdtPr><w:sdt><w:sdtPr><w:tag w:val="inner"/></w:sdtPr></w:sdt>'
        '<w:tag w:val="outer"/></w:sdtPr></w:sdt><w:p/></w:tc></w:tr></w:tbl>'), False),
    "row-right-in-the-body": (_document("<w:tr><w:tc><w:p/></w:tc></w:tr><w:tbl/>"), True),
    "deep": (_document("<w:p>" + "<w:r>" * 300 + "</w:r>" * 300 + "</w:p>"), False),
    "long-name": (_document(f"<w:{'x' * 300}/><w:tbl/>"), False),
    "junk-after-the-root": (_document("<w:tbl/>") + "<w:x/>", False),
    "bad-utf8": (_document("<w:p><w:r><w:t>\udcff</w:t></w:r></w:p>"), False),
    "encoded-surrogate": (_document("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>\udced\udca0\udc80</w:t></w:r></w:p></w:tc>"
                                    "</w:tr></w:tbl>"), False),
    "not-a-qname-element": (_document("<w:1/><w:tbl/>"), False),
    "not-a-qname-attribute": (_document('<w:p w:-a="1"/><w:tbl/>'), False),
    "not-a-qname-prefix": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" xmlns:-x="urn:x">'), False),
    "not-ascii-name": (_document("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>甲</w:t><w:文/></w:r></w:p></w:tc></w:tr></w:tbl>"),
                       False),
    "xml-namespace-bound": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" '
                                      'xmlns:x="http://www.w3.org/XML/1998/namespace">'), False),
    "xmlns-namespace-default": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" '
                                          'xmlns="http://www.w3.org/2000/xmlns/">'), False),
    "namespace-not-a-uri": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" xmlns:r="a b">'), False),
    "namespace-urn": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" xmlns:v="urn:schemas-microsoft-com:vml">'),
                      True),
    "version-2": ('<?xml version="2.0"?>' + _document("<w:tbl/>"), False),
    "version-1.1": ('<?xml version="1.1" encoding="UTF-8"?>' + _document("<w:tbl/>"), True),
    "declaration-single-quotes": ("<?xml version='1.0' encoding='utf-8' standalone='yes'?>" + _document("<w:tbl/>"),
                                  True),
    "declaration-not-first": (" " + '<?xml version="1.0"?>' + _document("<w:tbl/>"), False),
    "processing-instruction-before-the-root": ("<?a:b?>" + _document("<w:tbl/>"), False),
    "processing-instruction-after-the-root": (_document("<w:tbl/>") + "<?a x?>", False),
    "long-version": ('<?xml version="1.' + "0" * 50000 + '"?>' + _document("<w:tbl/>"), False),
    "namespace-port-not-a-number": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" xmlns:x="http://a:b/">'),
                                    False),
    "namespace-two-ats": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" xmlns:x="http://a@b@c/">'), False),
    "namespace-without-scheme": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" xmlns=":a">'), False),
    "namespace-plain": (_document("<w:tbl/>", f'<w:document xmlns:w="{W}" xmlns:wps='
                                  '"http://www.wps.cn/officeDocument/2013/wpsCustomData">'), True),
    "xml-id": (_document('<w:p xml:id="1"/><w:tbl/>'), False),
    "xml-lang": (_document('<w:tbl><w:tr><w:tc><w:p xml:lang="zh-CN"><w:r><w:t>甲</w:t></w:r></w:p></w:tc></w:tr>'
                           "</w:tbl>"), True),
    "byte-order-mark": ("\ufeff" + '<?xml version="1.0" encoding="UTF-8"?>' + _document("<w:tbl/>"), True),
    "byte-order-mark-then-latin-1": ("\ufeff" + '<?xml version="1.0" encoding="ISO-8859-1"?>' + _document(
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>é</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"), False),
}


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_what_a_parser_could_read_otherwise_is_read_alike_or_left_to_lxml(trick):
    xml, read = TRICKS[trick]
    data = xml.encode("utf-8", "surrogateescape")
    assert _same(data) == read


def test_utf8_is_streamed_and_every_other_encoding_left_to_lxml_which_reads_it():
    xml = _document("<w:p><w:r><w:t>题é</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p>"
                    "</w:tc></w:tr></w:tbl>")
    utf8 = _tree(('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode())
    assert _same(('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode()) and _same(xml.encode())
    for encoding, name in (("utf-16", "UTF-16"), ("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE"),
                           ("gbk", "GBK")):
        declared = (f'<?xml version="1.0" encoding="{name}"?>' + xml).encode(encoding)
        assert not _same(declared) and _tree(declared) == utf8, encoding
    assert not _same(xml.encode("utf-16-le"))  # no mark, no declaration: not UTF-8
    lone = ("\ufeff" + _document("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>\ud800A</w:t></w:r></w:p></w:tc></w:tr></w:tbl>")
            ).encode("utf-16-le", "surrogatepass")
    assert not _same(lone)  # an unpaired surrogate: lxml says what it makes of it


def test_what_falls_across_the_pieces_expat_is_given_is_read_alike():
    """expat is given a large part in pieces (PIECE bytes, then twice as many each time): a character, a tag, a
    reference or a line end cut by a piece's end is read as lxml reads it whole."""
    from formkit.ooxml import _bodyscan

    cell = "<w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>"
    for end in (_bodyscan.PIECE, 3 * _bodyscan.PIECE):
        for what in ("甲𠀀乙", "</w:t></w:r><w:r><w:t>", "&amp;&#x7532;", "a\r\nb"):
            for shift in range(-6, 3):
                head = ROOT + "<w:body><w:tbl><w:tr>" + cell.format("x")
                pad = end + shift - len(head.encode()) - len("<w:tc><w:p><w:r><w:t>")
                xml = head + cell.format("p" * pad + what) + cell.format(what) + "</w:tr></w:tbl></w:body></w:document>"
                assert _same(xml.encode()), (end, what, shift)


def test_a_grid_too_large_is_left_to_the_walk_which_refuses_it(cf):
    wide = _main_xml(cf).replace("<w:tr>", "<w:tr>" + "<w:tc><w:p/></w:tc>" * (DEFAULT.grid_columns + 1), 1)
    assert _streamed(wide.encode()) is None
    assert _tree(wide.encode()) == "docx.grid-too-large"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_doctype_in_the_main_part_is_refused_as_before(cf, encoding):
    with_doctype = hv.late_dtd(cf, encoding=encoding)
    for scan in (streamed._scan, None):
        assert _read(with_doctype, scan) == "docx.dtd-forbidden"


@pytest.mark.slow
def test_random_edits_and_damage_of_a_filled_form_read_the_same_streamed_or_parsed(sa):
    xml = _main_xml(sa)
    start, end = xml.index("<w:body>"), xml.rindex("</w:body>")
    places = [m.end() for m in re.finditer(">", xml[start:end])]
    pieces = [*PIECES, "<w:ins>", "</w:p>", "<w:p>", "<w:tbl>", "&", "<w:t>&amp;&#x9;</w:t>", '<w:x w:y="1" w:y="2"/>',
              f'<w:r xmlns:q="{W}"/>', "<w:del/>", "\x01", "]]>"]
    rng, read = random.Random(15), 0
    for _ in range(300):
        edited = xml
        for at in sorted(rng.sample(places, rng.randint(1, 4)), reverse=True):
            edited = edited[:start + at] + rng.choice(pieces) + edited[start + at:]
        read += _same(edited)
    assert read > 50  # many edits leave a part the pass reads: the comparison is not all left to lxml
    data = xml.encode()
    for _ in range(200):  # bytes damaged: what either parser refuses, the pass leaves to lxml
        damaged = bytearray(data)
        for at in rng.sample(range(len(damaged)), rng.randint(1, 3)):
            damaged[at] = rng.randrange(256)
        _same(bytes(damaged))
