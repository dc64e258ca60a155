"""A scan read as a returned form: its cells located, normalised and validated by the same code as a Word
file's (:func:`formkit.read.extract_document`), then what only a scan needs.

- Identity: the QR code of the identity code printed on every page; without one, the form whose labels
  the tables hold, the unit and the county read from their cells — never the title (every county's form has
  the same title).
- Each value keeps its confidence (``raw[...]["confidence"]``); a value read with less than
  :data:`ACCEPT` is not taken: it is left empty with a finding that quotes what was read, for a person to
  confirm (``scan.uncertain``; a date, often written by hand, ``scan.handwritten``). A signature is never
  read: a signed signature box is a ``scan.handwritten`` finding.
- Seals: a red round mark on a form that needs one (``cycle.yaml`` ``seals``), where it is and whether it
  sits on the signature block; none is ``scan.seal-missing``.
"""

from __future__ import annotations

from formkit.config import settings
from formkit.findings import ERROR, WARNING, Finding, finding
from formkit.forms import form_ids, load_form
from formkit.forms.model import Field, Form
from formkit.limits import DEFAULT, Limits
from formkit.read import Extracted, extract_document
from formkit.read.identify import Identity, identify
from formkit.read.locate import cell_labels, label_key
from formkit.read.normalise import quote
from formkit.read.sniff import ReadError
from formkit.scan.document import Scan, ScannedCell, read_scan
from formkit.scan.marks import MM_PX, Seal
from formkit.scan.ocr import SURE

ACCEPT = SURE  # the lowest character confidence of a value taken as read
LABEL_SHARE = 0.5  # of a form's labels the tables of a scan without a QR code must hold
SIGNED_INK = 0.004  # share of a signature box in ink that is a signature rather than specks


def extract_scan(data: bytes, name: str = "", year: int | None = None, limits: Limits = DEFAULT) -> Extracted:
    """Read a scan (a PDF of page images, a PNG, JPEG or TIFF) into values, as :func:`formkit.read.extract`
    reads a Word file."""
    scan = read_scan(data, limits)
    ext = extract_document(scan.doc, data, name, year, limits, _identified(scan, limits))
    ext.source["scan"] = {**scan.summary(), "identified_by": ext.identity.found_by}
    ext.findings += _confidences(ext, scan) + _signatures(ext.form, scan) + _seal_findings(ext, scan)
    ext.findings.append(finding("scan.read-from-scan", WARNING,
                                "本表读自扫描件（盖章件）：有 Word 文件时以 Word 文件的数据为准、扫描件为盖章凭证；"
                                "只有扫描件时按识别结果记录，识别不确定的内容须人工确认"))
    return ext


def _identified(scan: Scan, limits: Limits) -> tuple[Identity, list[Finding]]:
    """By the QR code (the footer code it holds), else by the form's labels in the tables."""
    codes = scan.codes
    if codes:
        identity, findings = identify(scan.doc, limits)
        identity.found_by = "qr"
        if len(set(codes)) > 1:
            findings.append(finding("scan.mixed-pages", ERROR, "扫描件各页的二维码不一致（" + "、".join(sorted(set(codes)))
                                    + "），可能混入了其他表格的页面，请核实"))
        return identity, findings
    cells = {label_key(c.text) for t in scan.doc.tables for row in t.rows for c in row}
    labels = {f: cell_labels(load_form(f)) for f in form_ids()}
    best = max(((len(wanted & cells) / max(1, len(wanted)), f) for f, wanted in labels.items()), default=(0.0, ""))
    if best[0] < LABEL_SHARE:
        raise ReadError("read.not-a-form", "扫描件中找不到二维码，表格中也找不到 formkit 表格的栏目，无法识别是哪张表")
    return Identity(best[1], None, None, None, None, "cells"), [finding(
        "scan.no-code", WARNING, "扫描件上找不到二维码（识别码），按表格栏目识别表格，按“单位”和“县”栏识别报送对象，请核实")]


def _confidences(ext: Extracted, scan: Scan) -> list[Finding]:
    """Each value's confidence into its raw entry; a value read with too little confidence is left empty with
    a finding (``scan.uncertain``, ``scan.handwritten`` for a date)."""
    out: list[Finding] = []
    for f in ext.form.fields:
        raw = ext.raw.get(f.key)
        if f.is_table:
            for i, row in enumerate(raw or []):
                columns = {c.key: c for c in f.columns}
                for key, entry in row.items():
                    path = f"{f.key}[{i}].{key}"
                    out += _checked(ext, scan, columns[key], entry, path, ext.values[f.key][i], key)
        elif raw:
            out += _checked(ext, scan, f, raw, f.key, ext.values, f.key)
    return out


def _checked(ext: Extracted, scan: Scan, f: Field, entry: dict, path: str, holder: dict, key: str) -> list[Finding]:
    cell = _cell(scan, entry.get("location") or {})
    if cell is None or cell.text.confidence is None:
        return []
    confidence = round(cell.text.confidence, 3)
    entry["confidence"] = confidence
    entry["page"] = cell.page
    if confidence >= ACCEPT or holder.get(key) is None or path in ext.invalid:
        return []
    holder[key] = None
    ext.invalid.add(path)
    said = quote(entry.get("text") or "", 40)
    if f.type == "date":
        return [finding("scan.handwritten", WARNING, f"日期像是手写的（识别为“{said}”，置信度 {confidence:.2f}），"
                        "未采用，请人工核对后确认", f.label, path, entry.get("location") or {}, entry.get("text"))]
    return [finding("scan.uncertain", WARNING, f"识别不确定（识别为“{said}”，置信度 {confidence:.2f}），未采用，"
                    "请人工核对后确认", f.label, path, entry.get("location") or {}, entry.get("text"))]


def _cell(scan: Scan, location: dict) -> ScannedCell | None:
    return scan.cells.get((location.get("table"), location.get("row"), location.get("column")))


def _signatures(form: Form, scan: Scan) -> list[Finding]:
    """A signed signature box: handwriting, which is never read."""
    out = []
    for section in form.sections:
        if section.signature is None:
            continue
        box = _beside(scan, section.signature.signer)
        if box is not None and box.text.ink >= SIGNED_INK:
            out.append(finding("scan.handwritten", WARNING, "签字处为手写签名，formkit 不识别签名，请人工核对",
                               section.signature.signer, None, {"page": box.page}))
    return out


def _beside(scan: Scan, label: str) -> ScannedCell | None:
    """The cell right of the cell holding ``label``."""
    key = label_key(label)
    for table in scan.doc.tables:
        for row in table.rows:
            for i, cell in enumerate(row):
                if label_key(cell.text) == key:
                    right = next((c for c in row[i + 1:] if c is not cell), None)
                    return _cell(scan, {"table": table.number, "row": right.row + 1, "column": right.col + 1}) \
                        if right is not None else None
    return None


def sealed_forms(year: int | None) -> tuple[str, ...]:
    """The forms whose returned copy must carry a seal: the working group's practice (``cycle.yaml`` ``seals``
    of the year; none configured, none checked)."""
    seals = settings(year).get("seals") or {}
    return tuple(str(f) for f in seals.get("forms") or ())


def _seal_findings(ext: Extracted, scan: Scan) -> list[Finding]:
    """Where the seals are and whether each sits on the signature block (into ``source.scan.seals``); on a
    form that needs a seal, none is ``scan.seal-missing``, none on the block ``scan.seal-misplaced``."""
    blocks = _signature_rows(ext.form, scan)
    placed = [{**seal.as_dict(), "on_signature": any(_overlaps(seal, block) for block in blocks)}
              for seal in scan.seals]
    ext.source["scan"]["seals"] = placed
    if ext.form.id not in sealed_forms(ext.year or ext.values.get("year")):
        return []
    if not placed:
        return [finding("scan.seal-missing", ERROR, "本表须加盖公章，扫描件上找不到红色印章，请核实是否报送了盖章件")]
    if not blocks or any(p["on_signature"] for p in placed):
        return []
    page = placed[0]["page"]
    return [finding("scan.seal-misplaced", WARNING, f"第 {page} 页的印章不在签章栏内，请核实", None, None, {"page": page})]


def _signature_rows(form: Form, scan: Scan) -> list[tuple[int, tuple[int, int, int, int]]]:
    """(page, box) of every row of the signature block and of the filer line (label and value cells)."""
    labels = {label_key(s.signature.signer) for s in form.sections if s.signature}
    labels |= {label_key(s.signature.seal) for s in form.sections if s.signature and s.signature.seal}
    if form.filer:
        labels.add(label_key(form.filer.label))
    out = []
    for table in scan.doc.tables:
        for row in table.rows:
            if any(label_key(c.text) in labels for c in row):
                placed = [scan.boxes[id(c)] for c in row if id(c) in scan.boxes]
                if placed:
                    page = placed[0][0]
                    boxes = [b for _p, b in placed]
                    out.append((page, (min(b[0] for b in boxes), min(b[1] for b in boxes),
                                       max(b[2] for b in boxes), max(b[3] for b in boxes))))
    return out


def _overlaps(seal: Seal, block: tuple[int, tuple[int, int, int, int]]) -> bool:
    page, (x0, y0, x1, y1) = block
    cx, cy = (v * MM_PX for v in seal.centre_mm)
    return page == seal.page and x0 <= cx <= x1 and y0 - 10 * MM_PX <= cy <= y1 + 10 * MM_PX
