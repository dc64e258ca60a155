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
