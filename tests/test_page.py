"""Every Word document formkit writes is on the page of the GB/T 9704 profile (A4, the type area's margins), set
in one place; and a core property is written as one whatever docxcompose did to python-docx's prefixes."""

import re
import zipfile
from datetime import date

import pytest
from conftest import FIXED, YEAR

from formkit.forms import load_catalogue, load_form
from formkit.forms.cycle import cycle
from formkit.gongwen.compile import build
from formkit.gongwen.model import Block, OfficialDocument
from formkit.gongwen.profile import load_profile
from formkit.intake.ingest import ingest
from formkit.issue import issue_forms
from formkit.issue.batch import issued_rows
from formkit.issue.layout import build_template
from formkit.letters import write_letters
from formkit.outputs import save

CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"


def page_of(path) -> dict[str, int]:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode()
    size = re.search(r"<w:pgSz ([^>]*)/>", xml).group(1)
    margins = re.search(r"<w:pgMar ([^>]*)/>", xml).group(1)
    found = {f"{k}": int(v) for k, v in re.findall(r'w:(\w+)="(\d+)"', size + " " + margins)}
    return {"width": found["w"], "height": found["h"], **{k: found[k] for k in ("top", "bottom", "left", "right")}}


def expected_page() -> dict[str, int]:
    p = load_profile()
    page = {"width": p.v("page.width"), "height": p.v("page.height"), "top": p.v("page.margin_top"),
            "bottom": p.v("page.margin_bottom"), "left": p.v("page.margin_left"), "right": p.v("page.margin_right")}
    assert page == {"width": 11906, "height": 16838, "top": 2098, "bottom": 1984, "left": 1587, "right": 1474}
    return page


def test_forms_and_notices_are_on_the_profiles_page(tmp_path):
    form = save(build_template(load_form("self-assessment", YEAR), load_catalogue()), tmp_path / "form.docx")
    notice = save(build(OfficialDocument("关于测试的通知", ["测试机关"], [Block("p", "正文。")], date(YEAR, 12, 1))),
                  tmp_path / "notice.docx")
    for path in (form, notice):
        assert page_of(path) == expected_page(), path.name


@pytest.mark.slow
def test_correction_letters_are_on_the_profiles_page(store, sample_roster, filled_forms, tmp_path):
    from test_read import edit

    results = issue_forms(sample_roster, YEAR, tmp_path / "issued", forms=["county-feedback"], created=FIXED)
    store.record_issued(issued_rows(results, YEAR))
    broken = edit(filled_forms["U010-522732"], tmp_path / "U010-522732.docx", replace=[(">否</w:t>", ">也许</w:t>")])
    list(ingest([broken], store, YEAR))
    letters = [x.path for x in write_letters(store, cycle(YEAR), tmp_path / "letters")]
    assert len(letters) == 1 and page_of(letters[0]) == expected_page()


def test_core_properties_stay_core_properties_after_docxcompose_rebinds_the_cp_prefix(monkeypatch, tmp_path):
    from docx.oxml import ns

    monkeypatch.setitem(ns.nsmap, "cp", CUSTOM)  # what importing docxcompose (through docxtpl) does
    path = save(build_template(load_form("county-feedback", YEAR), load_catalogue()), tmp_path / "form.docx")
    with zipfile.ZipFile(path) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert f'xmlns:cp="{CORE}"' in core and CUSTOM not in core
    assert "<cp:lastModifiedBy>formkit</cp:lastModifiedBy>" in core


# What a clerk sees on paper, measured on LibreOffice's PDF of issued forms (pdfplumber): the title whole or
# broken between words, 填报单位（盖章） under it and the signature block at the end, a caption 表N above each
# table, no placeholder printed, no heading or caption left as the last line of a page.
PAPER = {"self-assessment": "U001", "county-feedback": "U001-130731", "half-year-report": "U001-H2",
         "review-vote": "R01-01"}


@pytest.fixture(scope="module")
def on_paper(sample_roster, tmp_path_factory):
    """form id → (form, the PDF LibreOffice makes of the issued form)."""
    from conftest import need_soffice

    from formkit.convert import convert_many

    need_soffice()
    out = tmp_path_factory.mktemp("paper")
    forms = {}
    for form_id, rid in PAPER.items():
        form = load_form(form_id, YEAR)
        options = {"period": 2} if form.period else {"reviewers": 1} if form.recipient == "reviewer" else {}
        results = issue_forms(sample_roster, YEAR, out / form_id, forms=[form_id], created=FIXED, **options)
        forms[form_id] = (form, out / form_id / next(r.file for r in results if r.recipient_id == rid))
    pdfs = convert_many([path for _form, path in forms.values()], out / "pdf")
    return {form_id: (form, pdf) for (form_id, (form, _path)), pdf in zip(forms.items(), pdfs, strict=True)}


def lines_of(pdf_path) -> list[list[tuple[float, str, float]]]:
    """Per page, its lines of text top to bottom: (top, text without spaces, largest font size)."""
    import pdfplumber

    pages = []
    with pdfplumber.open(str(pdf_path)) as pdf:
        for page in pdf.pages:
            rows: dict[int, list[dict]] = {}
            for c in page.chars:
                rows.setdefault(round(c["top"]), []).append(c)
            pages.append([(top, "".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"]) if not c["text"].isspace()),
                           max(c["size"] for c in cs)) for top, cs in sorted(rows.items())])
    return pages


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", PAPER)
def test_the_title_is_whole_or_broken_between_words(on_paper, form_id):
    from formkit.gongwen.title import title_lines

    form, pdf = on_paper[form_id]
    first = lines_of(pdf)[0]
    size = max(s for _t, _x, s in first)
    printed = [text for _top, text, s in first if s == size]
    assert printed == list(title_lines(f"{YEAR}年度{form.title}"))  # the words' own breaks, none of its own
    assert "".join(printed) == f"{YEAR}年度{form.title}"


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", PAPER)
def test_nothing_prints_that_a_clerk_would_not_write(on_paper, form_id):
    _form, pdf = on_paper[form_id]
    text = "".join(t for page in lines_of(pdf) for _top, t, _s in page)
    for placeholder in ("请选择", "单击或点击", "Click", "{{", "{%"):
        assert placeholder not in text


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", ["self-assessment", "county-feedback", "half-year-report"])
def test_the_filer_line_and_the_signature_block_are_printed(on_paper, form_id, sample_roster):
    form, pdf = on_paper[form_id]
    pages = ["".join(t for _top, t, _s in page) for page in lines_of(pdf)]
    head = pages[0][:300]
    assert "填报单位（盖章）" in head and "填报日期" in head
    assert head.index("填报单位（盖章）") > head.index(form.title[-4:])  # under the title
    [signature] = [s.signature for s in form.sections if s.signature]
    tail = pages[-1]
    for text in (signature.signer, signature.seal, "联系电话"):
        assert text is None or text in tail
    unit = next(u for u in sample_roster.units if u.id == PAPER[form_id][:4])
    assert (unit.name if form.recipient == "unit" else "太行") in head.split("填报日期")[0]


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", PAPER)
def test_every_table_has_its_caption_and_no_heading_ends_a_page(on_paper, form_id):
    from formkit.forms.tables import plan

    form, pdf = on_paper[form_id]
    pages = lines_of(pdf)
    texts = [t for page in pages for _top, t, _s in page]
    captions = [t.caption.replace("\u3000", "") for t in plan(form) if t.caption]
    assert captions and [t for t in texts if t in captions] == captions  # each once, in order
    short = {c.label for f in form.fields for c in f.columns if len(c.label) <= 4}  # 序号, 好, 备注 …
    assert [label for label in short if not any(label in t for t in texts)] == []  # none broken in its cell
    headings = {s.title for s in form.sections} | set(captions) | {"填表说明"}
    for number, page in enumerate(pages, start=1):
        body = [t for _top, t, _s in page if not t.startswith("识别码")]
        assert body[-1] not in headings, f"第{number}页以标题“{body[-1]}”结束"
