"""A .docx body → tables as grids of cells, with text resolved as a reader needs it.

- text from every run, inside content controls, fields and tracked insertions; deleted and moved-away text
  (``w:delText``, ``w:moveFrom``) left out, so tracked changes read as their final text;
- of an ``mc:AlternateContent`` only the first branch (``mc:Fallback`` repeats it);
- check boxes (``w14:checkbox`` controls and legacy ``FORMCHECKBOX`` fields) as ☒/☐ with their state;
- merged cells resolved: a ``gridSpan`` cell fills the columns it spans, a ``vMerge`` continuation is the
  cell above it.
"""

from __future__ import annotations

from lxml import etree

from formkit.document import Cell, Table
from formkit.ooxml.ns import NS, qn

W_T, W_TAB, W_BR, W_CR, W_P = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:p")
W_TBL, W_TR, W_TC, W_SDT = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
W_CHECKBOX, W_DEL, W_MOVEFROM = qn("w:checkBox"), qn("w:del"), qn("w:moveFrom")
W14_CHECKBOX = f"{{{NS['w14']}}}checkbox"
MC_FALLBACK = f"{{{NS['mc']}}}Fallback"
SKIP = {MC_FALLBACK, W_DEL, W_MOVEFROM}
CHECKED, UNCHECKED = "☒", "☐"


class _Doc:
    """Per-document facts that let the walk skip work (most forms have no fallbacks or revisions)."""

    def __init__(self, root: etree._Element):
        self.skippable = any(True for _ in root.iter(MC_FALLBACK, W_DEL, W_MOVEFROM))


def _skipped(node: etree._Element, stop: etree._Element) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in SKIP:
            return True
        parent = parent.getparent()
    return False


def paragraph_text(p: etree._Element, doc: _Doc | None = None) -> str:
    skippable = doc.skippable if doc else True
    parts = []
    for node in p.iter(W_T, W_TAB, W_BR, W_CR, W_CHECKBOX):
        if skippable and _skipped(node, p):
            continue
        tag = node.tag
        if tag == W_T:
            parts.append(node.text or "")
        elif tag == W_TAB:
            parts.append("\t")
        elif tag == W_CHECKBOX:
            parts.append(CHECKED if _legacy_checked(node) else UNCHECKED)
        else:
            parts.append("\n")
    return "".join(parts)


def _legacy_checked(box: etree._Element) -> bool:
    for name in ("w:checked", "w:default"):
        el = box.find(qn(name))
        if el is not None:
            return el.get(qn("w:val"), "1") not in ("0", "false", "off")
    return False


def element_text(el: etree._Element, doc: _Doc | None = None) -> str:
    """Visible text of an element: its paragraphs joined by newlines (nested tables included)."""
    return "\n".join(paragraph_text(p, doc) for p in el.iter(W_P) if not _in_paragraph(p, el)).strip()


def _in_paragraph(p: etree._Element, stop: etree._Element) -> bool:
    """A text-box paragraph inside another paragraph: its text is already that paragraph's."""
    parent = p.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == W_P:
            return True
        parent = parent.getparent()
    return False


def tables(body: etree._Element) -> list[Table]:
    """Every table in document order (a nested table after the table that holds it)."""
    doc = _Doc(body)
    out: list[Table] = []
    caption = ""
    for el in body.iter(W_P, W_TBL):
        if doc.skippable and _skipped(el, body):
            continue
        if el.tag == W_P:
            if not _in_table(el, body) and not _in_paragraph(el, body):
                text = paragraph_text(el, doc).strip()
                if text:
                    caption = text
        else:
            out.append(_grid(len(out) + 1, el, doc, caption if not _in_table(el, body) else ""))
    return out


def _in_table(el: etree._Element, stop: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == W_TBL:
            return True
        parent = parent.getparent()
    return False


def _own(el: etree._Element, tag: str):
    """``tag`` descendants of a table or row that belong to it, not to a table nested in a cell."""
    for node in el.iter(tag):
        parent = node.getparent()
        while parent is not None and parent is not el and parent.tag != W_TBL:
            parent = parent.getparent()
        if parent is el:
            yield node


def _grid(number: int, tbl: etree._Element, doc: _Doc, caption: str) -> Table:
    rows: list[list[Cell]] = []
    for r, tr in enumerate(_own(tbl, W_TR)):
        row: list[Cell] = []
        for tc in _own(tr, W_TC):
            col = len(row)
            span = max(_int_val(tc, "w:gridSpan", 1), 1)
            vmerge = _tcpr(tc, "w:vMerge")
            continues = vmerge is not None and vmerge.get(qn("w:val"), "continue") == "continue"
            above = rows[r - 1][col] if continues and r > 0 and col < len(rows[r - 1]) else None
            row.extend([above or _cell(tc, r, col, span, doc)] * span)
        rows.append(row)
    return Table(number, rows, caption)


def _cell(tc: etree._Element, r: int, col: int, span: int, doc: _Doc) -> Cell:
    nested = tc.find(f".//{W_TBL}") is not None
    paragraphs = [p for p in tc.iter(W_P) if not (nested and _in_table(p, tc)) and not _in_paragraph(p, tc)]
    text = "\n".join(paragraph_text(p, doc) for p in paragraphs).strip()
    placeholder, checked, tags = False, None, []
    for sdt in tc.iter(W_SDT):
        pr = sdt.find(qn("w:sdtPr"))
        if pr is None:
            continue
        if pr.find(qn("w:showingPlcHdr")) is not None:
            placeholder = True
        tag = pr.find(qn("w:tag"))
        if tag is not None and tag.get(qn("w:val")):
            tags.append(tag.get(qn("w:val")))
        box = pr.find(W14_CHECKBOX)
        if box is not None:
            state = box.find(f"{{{NS['w14']}}}checked")
            checked = state is not None and state.get(f"{{{NS['w14']}}}val", "0") in ("1", "true")
    if checked is None and W_CHECKBOX in {n.tag for n in tc.iter(W_CHECKBOX)}:
        checked = CHECKED in text
    return Cell(text, r, col, span, placeholder, checked, tuple(tags))


def _tcpr(tc: etree._Element, name: str):
    pr = tc.find(qn("w:tcPr"))
    return pr.find(qn(name)) if pr is not None else None


def _int_val(tc: etree._Element, name: str, default: int) -> int:
    node = _tcpr(tc, name)
    try:
        return int(node.get(qn("w:val"))) if node is not None else default
    except (TypeError, ValueError):
        return default
