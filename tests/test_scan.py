"""Scans, the sealed copies (issue 18): pages straightened, the grid found from ruling lines, offline Chinese OCR,
the QR code of the identity code, seals; a scan linked to its recipient's Word file and compared with it; a
person's confirmation of what a scan left uncertain. The scans are made here, from the issued forms: printed
by LibreOffice, sealed and signed, photographed (turned, at an angle, lit from one side, noisy)."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest

from formkit.findings import ERROR
from formkit.read.sniff import classify
from formkit.scan.compare import differences
from tests.conftest import need_soffice

try:  # OpenCV needs the system's libGL (scripts/setup-system installs libgl1): required in CI, skipped elsewhere
    import cv2
    import numpy as np
except ImportError as exc:
    if os.environ.get("CI"):
        raise RuntimeError(f"OpenCV cannot be imported in CI ({exc}): scripts/setup-system must install libgl1") from exc
    pytest.skip(f"OpenCV not importable here ({exc})", allow_module_level=True)

DPI = 200


# -- fast: geometry, marks, routing, comparison, the store ------------------------------------------------

def page_with_table(rows: int = 6, tight: bool = False) -> np.ndarray:
    """An A4 page at 200 dpi with one ruled table of rows as high as one line of text (46 px): a label column
    and a value column; row 2 has its value cell split in two; with ``tight``, a character of row 0's label
    touches the lines above and below it with one stroke."""
    page = np.full((2339, 1654, 3), 255, np.uint8)
    x0, x1, split, y, high = 200, 1450, 650, 500, 46
    for r in range(rows + 1):
        cv2.line(page, (x0, y + high * r), (x1, y + high * r), (0, 0, 0), 2)
    for x in (x0, split, x1):
        cv2.line(page, (x, y), (x, y + high * rows), (0, 0, 0), 2)
    cv2.line(page, (1000, y + 2 * high), (1000, y + 3 * high), (0, 0, 0), 2)  # row 2's value cell split
    if tight:
        cv2.line(page, (420, y + 2), (420, y + high - 2), (0, 0, 0), 3)  # a stroke touching both lines
        for top in (8, 23, 38):  # and the rest of its character (a 田 with a long middle stroke)
            cv2.line(page, (404, y + top), (436, y + top), (0, 0, 0), 3)
        for x in (404, 436):
            cv2.line(page, (x, y + 8), (x, y + 38), (0, 0, 0), 3)
    return page


def test_grid_from_ruling_lines_gives_the_word_table_grid():
    from formkit.scan.grid import tables

    [table] = tables(page_with_table(tight=True))
    assert (table.n_rows, table.n_cols) == (6, 3)
    grid = table.grid()
    assert grid[0][1] is grid[0][2] and grid[0][1].cols == 2  # a value cell spanning the split column
    assert grid[2][1] is not grid[2][2]
    assert grid[0][0].cols == 1 and grid[0][0] is not grid[0][1]  # the character's stroke split nothing


@pytest.mark.slow
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_straightening_undoes_a_phone_photo(turn):
    from formkit.scan import photo
    from formkit.scan.grid import tables
    from formkit.scan.straighten import PAGE_PX, straighten, turned

    shot = cv2.imdecode(np.frombuffer(photo.photographed(page_with_table(), seed=turn, turn=turn), np.uint8),
                        cv2.IMREAD_COLOR)
    page = straighten(shot)
    assert page.notes.get("perspective") and page.image.shape[:2] == PAGE_PX[::-1]
    if turn in (90, 180):  # which way up is the content's to say (QR code, text): here the table's place
        page = turned(page, 180)
    [table] = tables(page.image)
    assert (table.n_rows, table.n_cols) == (6, 3)
    assert abs(table.y0 - 500) < 25 and abs(table.x0 - 200) < 25  # where the table is on the page


def test_seal_found_by_colour_and_shape():
    from formkit.scan import photo
    from formkit.scan.marks import seals

    page = photo.sealed(page_with_table(), (1200, 700))
    cv2.putText(page, "RED TEXT LINE", (200, 1500), cv2.FONT_HERSHEY_SIMPLEX, 3, (40, 30, 205), 8)  # red, not round
    cv2.circle(page, (600, 1900), 160, (0, 0, 0), 6)  # round, not red
    [seal] = seals(page, 1)
    assert abs(seal.size_mm[0] - 42) < 3 and abs(seal.centre_mm[0] - 1200 / DPI * 25.4) < 3


def test_images_are_read_as_scans_and_gif_is_refused():
    from PIL import Image

    for fmt in ("PNG", "JPEG", "TIFF"):
        out = io.BytesIO()
        Image.new("RGB", (20, 20), "white").save(out, fmt)
        assert classify(out.getvalue()).name == "scan"
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, "GIF")
    assert classify(out.getvalue()).code == "read.image"


def test_a_huge_picture_is_refused_before_it_is_decoded():
    from PIL import Image

    from formkit.limits import Limits
    from formkit.scan.pages import ScanError, page_images

    out = io.BytesIO()
    Image.new("1", (12000, 12000), 1).save(out, "PNG")  # a few KB that would be 432 MB as RGB
    with pytest.raises(ScanError) as err:
        next(page_images(out.getvalue(), Limits(scan_pixels=50_000_000)))
    assert err.value.code == "scan.too-large"


def test_every_issued_page_carries_the_qr_code_of_its_identity_code(issued):
    from formkit.scan.marks import qr_code

    out, results = issued
    seen = set()
    for row in [r for r in results if r.form == "county-feedback"][:2]:
        with zipfile.ZipFile(out / row.file) as zf:
            footer = next(n for n in zf.namelist() if n.startswith("word/footer"))
            rels = zf.read(f"word/_rels/{Path(footer).name}.rels").decode()
            media = "word/" + rels.split('Target="', 2)[1].split('"')[0]
            png = zf.read(media)
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        page = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255, 255, 255))
        assert qr_code(page).text == row.code
        seen.add(png)
    assert len(seen) == 2  # each document its own code


def test_comparison_gives_one_finding_per_difference_with_both_values_and_the_page():
    word = {"funds_invested_arrived": 945.58, "comment_overall": "第一段。\n第二段。", "county": "太行县",
            "fill_date": "2026-12-16", "visits_received": 2}
    scan = {"funds_invested_arrived": 845.58, "comment_overall": "第一段。第二段。", "county": "太行县",
            "fill_date": None, "visits_received": 2}  # the date unread: no difference, its own finding
    raw = {"funds_invested_arrived": {"text": "845.58", "page": 2, "location": {"table": 2, "row": 3, "column": 2,
                                                                                "page": 2}}}
    [found] = differences("county-feedback", 2026, word, scan, raw)
    assert (found.code, found.severity, found.field) == ("scan.differs", ERROR, "funds_invested_arrived")
    assert found.params == {"word": "945.58", "scan": "845.58", "page": 2}
    assert "945.58" in found.message and "845.58" in found.message and "第 2 页" in found.message


def _scan_row(record: dict, name: str) -> dict:
    return {"file_name": name, "format": "scan", "outcome": "accepted-with-warnings", "reader": "test",
            "record": record, "form": record["form"], "form_version": record["version"], "year": record["year"],
            "recipient_id": record["recipient"]["id"], "recipient_name": record["recipient"]["name"],
            "unit_id": record["recipient"]["unit_id"], "unit": record["recipient"]["unit"],
            "county": record["recipient"]["county"], "errors": 0, "warnings": 1}


def _as_scan(record: dict, **values) -> dict:
    """``record`` (a Word file's, as stored) as a scan of it would read: some values changed or left uncertain."""
    import copy

    scan = copy.deepcopy(record)
    scan["source"] = {**scan["source"], "format": "scan", "scan": {"pages": [{"page": 1}], "seals": []}}
    for key, value in values.items():
        scan["values"][key] = value
        if value is None:
            scan["findings"].append({"code": "scan.uncertain", "severity": "warning", "reason": "识别不确定",
                                     "field": key, "label": key, "location": {"page": 1}})
    return scan


@pytest.mark.parametrize("scan_first", [False, True])
def test_a_scan_is_the_sealed_copy_of_the_word_file_whichever_arrives_first(store, cf, tmp_path, scan_first):
    from formkit.intake.ingest import ingest
    from formkit.pipeline import read_document
    from formkit.store import sealed

    word = read_document(cf, "cf.docx").as_dict()
    word["values"] = {**word["values"], "fill_date": word["values"]["fill_date"].isoformat()
                      if isinstance(word["values"]["fill_date"], date) else word["values"]["fill_date"]}
    changed = round(word["values"]["funds_invested_arrived"] + 100, 2)
    scan = _as_scan(word, funds_invested_arrived=changed)
    path = tmp_path / "cf.docx"
    path.write_bytes(cf)
    steps = [lambda: store.add(b"%PDF-scan of cf", _scan_row(scan, "盖章件.pdf")), lambda: list(ingest([path], store))]
    for step in steps[::-1] if not scan_first else steps:
        step()
        sealed.compare_stored(store)
    current = store.current(2026)
    now = current[("county-feedback", "U001-130731")]
    assert not now.scanned  # the Word file holds the data
    found = [f for f in now.findings if f.code == "scan.differs"]
    assert [(f.field, f.params["scan"]) for f in found] == [("funds_invested_arrived", f"{changed:g}")]
    assert not any(s.supersedes for s in store.submissions(2026))  # a scan is no version of the Word file
    [row] = sealed.overview(store, 2026)
    assert row["word"] == now.id and row["differences"] == 1
    [copy] = sealed.sealed_copies(store, 2026, {("county-feedback", "U001-130731")})  # the dossier's sources
    assert copy.scanned and copy.id == row["submission"]


def test_a_new_version_of_either_is_compared_again(store, cf):
    from formkit.pipeline import read_document
    from formkit.store import sealed

    word = read_document(cf, "cf.docx").as_dict()
    word["values"]["fill_date"] = str(word["values"]["fill_date"])
    store.add(b"%PDF-word", {**_scan_row(word, "a.docx"), "format": "docx"})
    store.add(b"%PDF-scan 1", _scan_row(_as_scan(word, visits_received=7), "s1.pdf"))
    assert sealed.compare_stored(store) == 1
    store.add(b"%PDF-scan 2", _scan_row(_as_scan(word), "s2.pdf"))  # a corrected sealed copy
    assert sealed.compare_stored(store) == 1 and sealed.compare_stored(store) == 0
    now = store.current(2026)[("county-feedback", "U001-130731")]
    assert not [f for f in now.findings if f.code == "scan.differs"]


def test_without_a_word_file_the_scan_is_the_record_and_a_person_confirms_it(store, cf):
    from formkit.pipeline import read_document
    from formkit.store import sealed

    word = read_document(cf, "cf.docx").as_dict()
    word["values"]["fill_date"] = str(word["values"]["fill_date"])
    stored = store.add(b"%PDF-scan only", _scan_row(_as_scan(word, fill_date=None), "s.pdf"))
    now = store.current(2026)[("county-feedback", "U001-130731")]
    assert now.scanned and now.values["fill_date"] is None
    assert [f.field for f in sealed.pending(now)] == ["fill_date"]
    with pytest.raises(Exception) as err:
        sealed.confirm(store, stored.id, "county", "太行县", "秘书处张三")
    assert err.value.code == "scan.no-such-value"
    with pytest.raises(Exception) as err:
        sealed.confirm(store, stored.id, "fill_date", "二〇二六年十二月三十二日", "秘书处张三")
    assert err.value.code.startswith("value.")
    sealed.confirm(store, stored.id, "fill_date", "2026年12月16日", "秘书处张三", "对照扫描件第1页")
    now = store.current(2026)[("county-feedback", "U001-130731")]
    assert now.values["fill_date"] == "2026-12-16" and not sealed.pending(now)
    events = [e for e in store.audit_events() if e["event"] == "act:scan-confirmed"]
    assert len(events) == 1 and events[0]["detail"]["actor"] == "秘书处张三"


def test_scan_confirm_from_the_command_line(store_url, cf, tmp_path):
    from click.testing import CliRunner

    from formkit.cli import main
    from formkit.pipeline import read_document
    from formkit.store import Store

    word = read_document(cf, "cf.docx").as_dict()
    word["values"]["fill_date"] = str(word["values"]["fill_date"])
    with Store(store_url, tmp_path / "originals") as store:
        sid = store.add(b"%PDF-scan cli", _scan_row(_as_scan(word, fill_date=None), "s.pdf")).id
    runner = CliRunner()
    listed = runner.invoke(main, ["scan", "list", "--db", store_url, "--year", "2026"])
    assert listed.exit_code == 0 and "fill_date" in listed.output
    done = runner.invoke(main, ["scan", "confirm", str(sid), "fill_date", "2026.12.16", "--db", store_url, "--json"])
    assert done.exit_code == 0, done.output
    assert '"value": "2026-12-16"' in done.output
    again = runner.invoke(main, ["scan", "confirm", str(sid), "fill_date", "2026.12.16", "--db", store_url])
    assert again.exit_code == 2 and "scan.no-such-value" in again.output


# -- slow: whole scans from issued forms (LibreOffice prints them, the OCR reads them) ---------------------

def flat_values(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flat_values(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from flat_values(item, f"{path}[{i}]")
    else:
        yield path, value


def printed_county(docx: bytes, folder: Path, seal: bool = True, dpi: int = DPI) -> list:
    """The county form printed at ``dpi``, its signature box signed and, with ``seal``, the seal row sealed."""
    from formkit.scan import photo
    from formkit.scan.grid import tables
    from formkit.scan.straighten import straighten

    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "form.docx"
    source.write_bytes(docx)
    pages, _pdf = photo.printed(source, folder, dpi)
    grid = tables(straighten(pages[-1]).image)[-1].grid()  # the signature block: signer, seal, filer
    scale = dpi / DPI
    sign, stamp = grid[0][-1], grid[1][-1]
    pages[-1] = photo.signed(pages[-1], tuple(int(v * scale) for v in (sign.x0, sign.y0, sign.x1, sign.y1)))
    if seal:
        pages[-1] = photo.sealed(pages[-1], ((stamp.x0 + stamp.x1) / 2 * scale, (stamp.y0 + stamp.y1) / 2 * scale),
                                 dpi=dpi)
    return pages


@pytest.fixture(scope="module")
def county_pages(cf, tmp_path_factory):
    need_soffice()
    return printed_county(cf, tmp_path_factory.mktemp("county-print"))


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_phone_photo_of_the_sealed_form_reads_back_at_200_dpi(county_pages, cf):
    """Turned four ways, seen at an angle, lit from one side, noisy, JPEG: at least 90 % of the values exactly
    as filled; every value taken without a finding is the filled one; every other value is a finding that
    names its field."""
    from formkit.pipeline import read_document
    from formkit.scan import photo

    shots = [photo.photographed(page, seed=i, turn=(0, 90, 180, 270)[i % 4]) for i, page in enumerate(county_pages)]
    data = photo.scanned_pdf([cv2.imdecode(np.frombuffer(s, np.uint8), cv2.IMREAD_COLOR) for s in shots])
    result = read_document(data, "盖章件.pdf")
    word = read_document(cf, "cf.docx")
    assert result.identified_by == "qr" and result.recipient["id"] == word.recipient["id"]
    filled, read = dict(flat_values(word.values)), dict(flat_values(result.values))
    exact = [k for k in filled if read.get(k) == filled[k]]
    assert len(exact) >= 0.9 * len(filled), sorted(set(filled) - set(exact))
    named = {f.field for f in result.findings if f.field}
    for key in filled:
        if read.get(key) != filled[key]:
            assert key.split("[")[0] in named or key in named, key  # unrecovered: a finding names it
        elif key not in named:
            assert read[key] == filled[key]
    seals = result.source["scan"]["seals"]
    assert len(seals) == 1 and seals[0]["on_signature"] and seals[0]["page"] == len(county_pages)
    assert "scan.seal-missing" not in {f.code for f in result.findings}
    assert any(f.code == "scan.handwritten" and f.label == "县委或县政府负责同志（签字）" for f in result.findings)
    assert all("confidence" in result.raw[k] for k in ("county", "funds_invested_arrived") if result.raw.get(k))


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_scan_without_a_seal_gives_the_missing_seal_finding(cf, tmp_path):
    from formkit.pipeline import read_document
    from formkit.scan import photo

    need_soffice()
    pages = printed_county(cf, tmp_path, seal=False)
    result = read_document(photo.scanned_pdf(pages), "未盖章.pdf")
    assert [f.code for f in result.findings if f.code.startswith("scan.seal")] == ["scan.seal-missing"]


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("scan_first", [False, True])
def test_a_scan_differing_in_one_figure_gives_exactly_that_finding(cf, county_pages, store, tmp_path, scan_first):
    """The Word file says one figure, the sealed copy (printed from a corrected file) another: ingested in
    either order, the Word file carries exactly one ``scan.differs``, with both figures and the page."""
    from formkit.intake.ingest import ingest
    from formkit.pipeline import read_document
    from formkit.scan import photo

    word = read_document(cf, "cf.docx")
    shown = f"{word.values['funds_invested_arrived']:g}"
    changed = shown.replace(shown[0], "1" if shown[0] != "1" else "2", 1)
    other = _replaced(cf, shown, changed)
    pages = printed_county(other, tmp_path / "print")
    scan_path, word_path = tmp_path / "盖章件.pdf", tmp_path / "评价表.docx"
    scan_path.write_bytes(photo.scanned_pdf(pages))
    word_path.write_bytes(cf)
    for path in ([scan_path, word_path] if scan_first else [word_path, scan_path]):
        list(ingest([path], store, workers=1))
    now = store.current(2026)[("county-feedback", word.recipient["id"])]
    assert not now.scanned
    found = [f for f in now.findings if f.code == "scan.differs"]
    assert [(f.field, f.params["word"], f.params["scan"]) for f in found] == [
        ("funds_invested_arrived", shown, changed)]
    assert found[0].params["page"] >= 1


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_county_returns_its_sealed_scan_on_the_desk_and_it_is_read_as_the_word_files_sealed_copy(
        county_pages, cf, store_url, tmp_path, issued):
    """Through the county's link: the Word file, then its sealed scan, read by the desk's own reading worker
    (forked from the server's process, the OCR loaded there under the worker's memory limit)."""
    from starlette.testclient import TestClient
    from test_web import Desk, make_desk

    from formkit.scan import photo
    from formkit.store import Store, sealed
    from formkit.web.app import create_app

    tokens = make_desk(store_url, tmp_path / "originals", issued, tmp_path)
    with TestClient(create_app(store_url, tmp_path / "originals")) as client:
        desk = Desk(client, tokens, store_url, tmp_path / "originals")
        assert desk.upload("U001-130731", cf, "评价表.docx").status_code == 303
        sent = desk.upload("U001-130731", photo.scanned_pdf(county_pages), "盖章件.pdf")
        assert sent.status_code == 303
        shown = client.get(sent.headers["location"])
        assert shown.status_code == 200 and "盖章件.pdf" in shown.text
        assert "内存" not in shown.text and "异常" not in shown.text  # not out of memory, not crashed
    with Store(store_url, tmp_path / "originals") as store:
        now = store.current(2026)[("county-feedback", "U001-130731")]
        assert not now.scanned and not [f for f in now.findings if f.code == "scan.differs"]
        [row] = sealed.overview(store, 2026)
        assert row["word"] == now.id and row["differences"] == 0
        [copy] = sealed.sealed_copies(store, 2026, {("county-feedback", "U001-130731")})
        assert copy.scanned and copy.outcome in ("accepted", "accepted-with-warnings")


def _replaced(docx: bytes, old: str, new: str) -> bytes:
    """The Word file with one figure typed differently (the copy that was printed and sealed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert text.count(f">{old}<") == 1
                data = text.replace(f">{old}<", f">{new}<").encode("utf-8")
            dst.writestr(info, data)
    return out.getvalue()


@pytest.mark.slow
def test_a_scan_is_read_in_the_worker_with_a_budget_per_page():
    """The worker says a scan's pages before reading them; its time budget grows with them (``seconds`` +
    ``scan_page_seconds`` × pages): blank pages are read to the end, and refused for what they are."""
    from PIL import Image

    from formkit.intake.worker import read_isolated
    from formkit.limits import Limits, scan_seconds

    out = io.BytesIO()
    blank = Image.new("RGB", (827, 1170), "white")
    blank.save(out, "TIFF", save_all=True, append_images=[blank, blank])
    limits = Limits(seconds=20, scan_page_seconds=40)
    assert scan_seconds(limits, 3) == 140
    outcome = read_isolated(out.getvalue(), "三页.tif", limits=limits)
    assert (outcome.outcome, outcome.code) == ("rejected", "read.not-a-form")


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_scan_without_its_qr_code_is_identified_by_its_unit_and_county(county_pages, cf):
    from formkit.pipeline import read_document
    from formkit.scan import photo

    pages = [page.copy() for page in county_pages]
    for page in pages:
        page[int(page.shape[0] * 0.86):] = 255  # the footer (QR code and identity code) cut off
    result = read_document(photo.scanned_pdf(pages), "无二维码.pdf")
    word = read_document(cf, "cf.docx")
    assert result.form == "county-feedback" and result.identified_by == "cells"
    assert (result.recipient["unit"], result.recipient["county"]) == (word.recipient["unit"], word.recipient["county"])
    assert "scan.no-code" in {f.code for f in result.findings}
