"""OFD in (GB/T 33190): a filled form saved as OFD reads back with every value, its tables exactly those the PDF
path finds; an OFD of page images goes through the scan path; hostile OFDs are refused with a code and the
batch goes on. The OFDs are written by hand in tests/fixtures/ofd.py (the XML typed out from a PDF's words and
ruling lines), sharing no code with the reader."""

import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures.ofd import NS, PUBLIC_RES, document, entry, image_parts_from_pdf, page, parts_from_pdf, zipped

from formkit.errors import FormkitError
from formkit.intake.ingest import ingest
from formkit.limits import DEFAULT
from formkit.ofd import read_ofd
from formkit.pdf.extract import read_pdf
from formkit.pipeline import read_document
from formkit.read.sniff import classify

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
PDF = GOLDEN / "libreoffice-export.pdf"  # a filled county form exported to PDF by LibreOffice
EXPECTED = json.loads((GOLDEN / "libreoffice-export.json").read_text(encoding="utf-8"))
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.fixture(scope="module")
def form_ofd() -> bytes:
    return zipped(parts_from_pdf(PDF.read_bytes()))


def small(objects: str, width: float = 210, height: float = 297, **extra: bytes) -> bytes:
    """A one-page OFD drawing ``objects``."""
    return zipped({"OFD.xml": entry(), "Doc_0/Document.xml": document(1), "Doc_0/PublicRes.xml": PUBLIC_RES,
                   "Doc_0/Pages/Page_0/Content.xml": page(objects, width, height), **extra})


def test_an_ofd_is_read_not_refused(form_ofd):
    assert classify(form_ofd, "县评价表.ofd").name == "ofd"
    assert classify(form_ofd, "县评价表").name == "ofd"  # by its entry part, whatever its name


def test_a_filled_form_saved_as_ofd_reads_back_with_every_value(form_ofd):
    result = read_document(form_ofd, "县评价表.ofd")
    assert result.form == EXPECTED["form"] and result.recipient["id"] == EXPECTED["recipient"]
    assert json.loads(json.dumps(result.as_dict()["values"])) == EXPECTED["values"]
    assert [f.code for f in result.findings] == [f["code"] for f in EXPECTED["findings"]]
    assert result.source["format"] == "ofd" and result.source["producer"] == "hand 1"
    assert result.raw["county"]["location"].get("page") == 1


def test_its_cells_are_those_the_pdf_path_finds(form_ofd):
    ofd, pdf = read_ofd(form_ofd), read_pdf(PDF.read_bytes())
    assert [t.texts() for t in ofd.tables] == [t.texts() for t in pdf.tables]
    assert [(t.caption, t.page, t.row_pages) for t in ofd.tables] == [(t.caption, t.page, t.row_pages) for t in pdf.tables]


def test_positions_follow_boundary_ctm_deltas_templates_and_nested_blocks():
    """A 2×2 grid drawn as one path and as rectangles in a template; text placed through a scaling CTM,
    ``g`` repeats in DeltaX, a TextCode without X continuing the last, inside nested PageBlocks."""
    grid = ('<ofd:PathObject ID="1" Boundary="20 20 100 20" LineWidth="0.3"><ofd:AbbreviatedData>'
            'M 0 0 L 100 0 M 0 10 L 100 10 M 0 20 L 100 20 M 0 0 L 0 20 M 50 0 L 50 20 M 100 0 L 100 20'
            '</ofd:AbbreviatedData></ofd:PathObject>')
    text = ('<ofd:PageBlock ID="2"><ofd:PageBlock ID="3">'
            '<ofd:TextObject ID="4" Boundary="22 21 40 8" Font="1" Size="2" CTM="2 0 0 2 0 0">'
            '<ofd:TextCode X="0" Y="3" DeltaX="g 3 2">单位名称</ofd:TextCode></ofd:TextObject>'
            '<ofd:TextObject ID="5" Boundary="72 21 40 8" Font="1" Size="4">'
            '<ofd:TextCode X="0" Y="6" DeltaX="4 4">国家局</ofd:TextCode></ofd:TextObject>'
            '<ofd:TextObject ID="6" Boundary="22 31 40 8" Font="1" Size="4">'
            '<ofd:TextCode X="0" Y="6" DeltaX="4">金额</ofd:TextCode><ofd:TextCode DeltaX="2 2">123</ofd:TextCode>'
            '</ofd:TextObject></ofd:PageBlock></ofd:PageBlock>')
    template = (f'<?xml version="1.0"?><ofd:Page {NS}><ofd:Content><ofd:Layer ID="9">{grid}</ofd:Layer>'
                '</ofd:Content></ofd:Page>').encode()
    doc = document(1).replace(b"</ofd:CommonData>", b'<ofd:TemplatePage ID="7" BaseLoc="/Doc_0/Tpl/T.xml"/></ofd:CommonData>')
    body = page(text).replace(b"<ofd:Area>", b'<ofd:Template TemplateID="7" ZOrder="Background"/><ofd:Area>')
    data = zipped({"OFD.xml": entry(), "Doc_0/Document.xml": doc, "Doc_0/PublicRes.xml": PUBLIC_RES,
                   "Doc_0/Pages/Page_0/Content.xml": body, "Doc_0/Tpl/T.xml": template})
    [table] = read_ofd(data).tables
    assert table.texts() == [["单位名称", "国家局"], ["金额123", ""]]


def test_an_ofd_without_ruling_lines_has_text_but_no_table():
    data = small('<ofd:TextObject ID="1" Boundary="20 20 80 10" Size="5"><ofd:TextCode X="0" Y="5">'
                 '没有表格的说明</ofd:TextCode></ofd:TextObject>')
    doc = read_ofd(data)
    assert doc.tables == [] and "没有表格的说明" in doc.text and doc.format == "ofd"


# -- image-only OFD: through the scan path ------------------------------------------------------------------

def test_an_ofd_of_page_images_is_said_to_be_one():
    with pytest.raises(FormkitError) as caught:
        read_ofd(_tiny_image_ofd())
    assert caught.value.code == "ofd.image-only"


def _tiny_image_ofd() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 60), "white").save(out, format="PNG")
    res = (f'<?xml version="1.0"?><ofd:Res {NS} BaseLoc="Res"><ofd:MultiMedias><ofd:MultiMedia ID="50" Type="Image">'
           '<ofd:MediaFile>p.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>').encode()
    return zipped({"OFD.xml": entry(), "Doc_0/Document.xml": document(1, media=True), "Doc_0/PublicRes.xml": PUBLIC_RES,
                   "Doc_0/DocumentRes.xml": res, "Doc_0/Res/p.png": out.getvalue(),
                   "Doc_0/Pages/Page_0/Content.xml": page('<ofd:ImageObject ID="1" Boundary="0 0 210 297" '
                                                          'CTM="210 0 0 297 0 0" ResourceID="50"/>')})


@pytest.mark.slow
def test_an_ofd_of_page_images_is_read_through_the_scan_path():
    if not CJK_FONT.is_file():
        pytest.skip("no Noto CJK font to draw the pages with")
    data = zipped(image_parts_from_pdf(PDF.read_bytes(), str(CJK_FONT)))
    result = read_document(data, "盖章件.ofd")
    assert result.source["format"] == "scan" and result.source["container"] == "ofd"
    import hashlib

    assert result.source["sha256"] == hashlib.sha256(data).hexdigest()  # the OFD's, not the pages drawn from it
    assert result.form == EXPECTED["form"]
    read_well = ("county", "province", "unit_name", "year", "visits_received", "cadres_present",
                 "funds_invested_arrived", "funds_brought_arrived", "first_secretaries_present")
    assert {k: result.values[k] for k in read_well} == {k: EXPECTED["values"][k] for k in read_well}


# -- hostile OFDs --------------------------------------------------------------------------------------------

def bomb() -> bytes:
    """A page part of 200 MB of spaces (about 200 KB compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", entry())
        z.writestr("Doc_0/Document.xml", document(1))
        with z.open("Doc_0/Pages/Page_0/Content.xml", "w") as fh:
            fh.write(page("")[:-len(b"</ofd:Page>")])
            for _ in range(200):
                fh.write(b" " * (1 << 20))
            fh.write(b"</ofd:Page>")
    return out.getvalue()


def laughs() -> bytes:
    content = (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
               f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="1"><ofd:TextObject ID="2" Boundary="0 0 9 9" Size="3">'
               '<ofd:TextCode X="0" Y="3">&lol2;</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>')
    return zipped({"OFD.xml": entry(), "Doc_0/Document.xml": document(1),
                   "Doc_0/Pages/Page_0/Content.xml": content.encode()})


def crowded(count: int = DEFAULT.page_objects + 1) -> bytes:
    lines = "".join(f'<ofd:PathObject ID="{i}" Boundary="10 {10 + i % 200} 100 1"><ofd:AbbreviatedData>M 0 0 L 100 0'
                    '</ofd:AbbreviatedData></ofd:PathObject>' for i in range(count))
    return small(lines)


HOSTILE = {  # name → (bytes, code)
    "bomb.ofd": (bomb, "ofd.zip-bomb"),
    "laughs.ofd": (laughs, "ofd.dtd-forbidden"),
    "huge-page.ofd": (lambda: small("", 100_000, 100_000), "ofd.page-too-large"),
    "crowded.ofd": (crowded, "ofd.too-many-objects"),
    "pages.ofd": (lambda: zipped({"OFD.xml": entry(), "Doc_0/Document.xml": document(DEFAULT.pdf_pages + 1)}),
                  "ofd.too-many-pages"),
    "no-root.ofd": (lambda: zipped({"OFD.xml": entry().replace(b"Doc_0/Document.xml", b"missing.xml")}), "ofd.no-document"),
    "truncated.ofd": (lambda: zipped(parts_from_pdf(PDF.read_bytes()))[:5000], "ofd.corrupt"),
    "blank.ofd": (lambda: small(""), "read.ofd"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_ofd_is_refused_with_its_code(name):
    make, code = HOSTILE[name]
    with pytest.raises(FormkitError) as caught:
        read_ofd(make())
    assert caught.value.code == code
    assert caught.value.message


def test_many_objects_under_the_limit_are_read():
    doc = read_ofd(small("".join(
        f'<ofd:TextObject ID="{i}" Boundary="10 {10 + i % 250} 5 5" Size="1"><ofd:TextCode X="0" Y="1">字</ofd:TextCode>'
        '</ofd:TextObject>' for i in range(5000))))
    assert doc.text.count("字") == 5000


@pytest.mark.slow
def test_ingest_refuses_a_hostile_ofd_and_stores_the_good_one(tmp_path, form_ofd):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "bomb.ofd").write_bytes(bomb())
    (folder / "县评价表.ofd").write_bytes(form_ofd)
    env = {**os.environ, "FORMKIT_DB": f"sqlite:///{tmp_path}/formkit.db", "FORMKIT_ORIGINALS": str(tmp_path / "originals")}
    done = subprocess.run([sys.executable, "-m", "formkit", "ingest", str(folder), "--json"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    lines = {Path(line["file"]).name: line for line in map(json.loads, done.stdout.splitlines())}
    assert lines["bomb.ofd"]["outcome"] == "rejected" and lines["bomb.ofd"]["code"] == "ofd.zip-bomb"
    good = lines["县评价表.ofd"]
    assert good["outcome"] in ("accepted", "accepted-with-warnings") and good["submission"]


def test_ingest_in_process_reads_an_ofd_into_the_store(store, form_ofd, tmp_path):
    path = tmp_path / "县评价表.ofd"
    path.write_bytes(form_ofd)
    [result] = list(ingest([path], store, limits=replace(DEFAULT, seconds=60)))
    assert result.outcome in ("accepted", "accepted-with-warnings"), result
    [row] = store.submissions()
    assert row.format == "ofd" and row.values["county"] == EXPECTED["values"]["county"]


# -- notices written as OFD beside the PDF -------------------------------------------------------------------

def test_formkits_ofd_of_a_pdf_keeps_its_text_and_lines():
    from formkit.ofd.write import ofd_of_pdf

    data = ofd_of_pdf(PDF.read_bytes(), "评价表")
    ofd, pdf = read_ofd(data), read_pdf(PDF.read_bytes())
    assert "".join(ofd.text.split()) == "".join(pdf.text.split())
    assert [t.texts() for t in ofd.tables] == [t.texts() for t in pdf.tables]
    assert ofd_of_pdf(PDF.read_bytes(), "评价表") == data  # the same PDF, the same bytes


@pytest.mark.libreoffice
def test_notice_ofd_beside_the_pdf_reads_back_as_the_pdf(tmp_path):
    from conftest import need_soffice

    need_soffice()
    done = subprocess.run([sys.executable, "-m", "formkit", "notice", "issue-forms", "--year", "2026", "--out",
                           str(tmp_path / "通知.docx"), "--ofd"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "文字层读回与 PDF 一致" in done.stdout
    data = (tmp_path / "通知.ofd").read_bytes()
    from formkit.ofd import pages_of

    _package, _doc, pages = pages_of(data)
    assert read_ofd(data).text and [r for p in pages for r in p.rules]  # the text and the 版头 rule
