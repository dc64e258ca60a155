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
    """Per-document facts that let the walk skip work (most forms have no fallbacks, revisions, nested
    tables or text boxes)."""

    def __init__(self, root: etree._Element):
        tags = {el.tag for el in root.iter(MC_FALLBACK, W_DEL, W_MOVEFROM, W_SDT, W_CHECKBOX,
                                           "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}txbxContent")}
        self.skippable = bool(tags & SKIP)
        self.controls = W_SDT in tags
        self.legacy_boxes = W_CHECKBOX in tags
        self.textboxes = any(t.endswith("}txbxContent") for t in tags)
        self.nested = any(True for t in root.iter(W_TBL) if _in_table(t, root))


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


def _has_ancestor(el: etree._Element, tag: str, stop: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _in_paragraph(p: etree._Element, stop: etree._Element) -> bool:
    """A text-box paragraph inside another paragraph: its text is already that paragraph's."""
    return _has_ancestor(p, W_P, stop)


W_BODY, W_TCPR, W_GRIDSPAN, W_VMERGE = qn("w:body"), qn("w:tcPr"), qn("w:gridSpan"), qn("w:vMerge")
W_VAL, W_SDTPR, W_SDTCONTENT, W_TAG = qn("w:val"), qn("w:sdtPr"), qn("w:sdtContent"), qn("w:tag")
W_SHOWING, W_CUSTOMXML, W_TXBX = qn("w:showingPlcHdr"), qn("w:customXml"), qn("w:txbxContent")
W14_CHECKED, W14_VAL = f"{{{NS['w14']}}}checked", f"{{{NS['w14']}}}val"
WRAPPERS = (W_SDT, W_CUSTOMXML)  # block-, row- and cell-level wrappers whose content counts as if unwrapped


def _children(el: etree._Element, tag: str):
    """Children ``tag`` of ``el``, looking through content controls and custom XML around them
    (python-docx misses rows and cells wrapped that way)."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            content = child.find(W_SDTCONTENT) if child.tag == W_SDT else child
            if content is not None:
                yield from _children(content, tag)


def tables(body: etree._Element) -> list[Table]:
    """Every table in document order (a nested table after the table that holds it), each with the text of
    the nearest paragraph before it as its caption. ``body`` may also be the ``w:document`` around it."""
    if body.tag != W_BODY and body.find(W_BODY) is not None:
        body = body.find(W_BODY)
    doc = _Doc(body)
    out: list[Table] = []
    caption = ""
    for el in _blocks(body):
        if el.tag == W_P:
            text = paragraph_text(el, doc).strip()
            if text:
                caption = text
        else:
            _collect(el, doc, caption, out)
    return out


def _blocks(el: etree._Element):
    for child in el:
        if child.tag in (W_P, W_TBL):
            yield child
        elif child.tag in WRAPPERS:
            content = child.find(W_SDTCONTENT) if child.tag == W_SDT else child
            if content is not None:
                yield from _blocks(content)


def _collect(tbl: etree._Element, doc: _Doc, caption: str, out: list[Table]) -> None:
    table = _grid(len(out) + 1, tbl, doc, caption)
    out.append(table)
    if doc.nested:
        for tr in _children(tbl, W_TR):
            for tc in _children(tr, W_TC):
                for inner in _blocks(tc):
                    if inner.tag == W_TBL:
                        _collect(inner, doc, "", out)


def _grid(number: int, tbl: etree._Element, doc: _Doc, caption: str) -> Table:
    rows: list[list[Cell]] = []
    for r, tr in enumerate(_children(tbl, W_TR)):
        row: list[Cell] = []
        above_row = rows[r - 1] if r else None
        for tc in _children(tr, W_TC):
            col = len(row)
            span, continues = 1, False
            pr = tc[0] if len(tc) else None  # tcPr, when present, is the first child (ISO 29500 §17.4.66)
            if pr is not None and pr.tag == W_TCPR:
                for prop in pr:
                    if prop.tag == W_GRIDSPAN:
                        try:
                            span = max(int(prop.get(W_VAL, "1")), 1)
                        except ValueError:
                            span = 1
                    elif prop.tag == W_VMERGE:
                        continues = prop.get(W_VAL, "continue") == "continue"
            above = above_row[col] if continues and above_row is not None and col < len(above_row) else None
            row.extend([above or _cell(tc, r, col, span, doc)] * span)
        rows.append(row)
    return Table(number, rows, caption)


def _cell(tc: etree._Element, r: int, col: int, span: int, doc: _Doc) -> Cell:
    paragraphs = _cell_paragraphs(tc, doc)
    text = "\n".join(paragraph_text(p, doc) for p in paragraphs).strip()
    placeholder, checked, tags = False, None, []
    if doc.controls:
        for sdt in tc.iter(W_SDT):
            pr = sdt.find(W_SDTPR)
            if pr is None:
                continue
            if pr.find(W_SHOWING) is not None:
                placeholder = True
            tag = pr.find(W_TAG)
            if tag is not None and tag.get(W_VAL):
                tags.append(tag.get(W_VAL))
            box = pr.find(W14_CHECKBOX)
            if box is not None:
                state = box.find(W14_CHECKED)
                checked = state is not None and state.get(W14_VAL, "0") in ("1", "true")
    if checked is None and doc.legacy_boxes and any(True for _ in tc.iter(W_CHECKBOX)):
        checked = CHECKED in text
    return Cell(text, r, col, span, placeholder, checked, tuple(tags))


def _cell_paragraphs(tc: etree._Element, doc: _Doc) -> list[etree._Element]:
    if not doc.nested and not doc.textboxes:
        return list(tc.iter(W_P))
    return [p for p in tc.iter(W_P) if not _in_table(p, tc) and not _in_paragraph(p, tc)]


def _in_table(el: etree._Element, stop: etree._Element) -> bool:
    return _has_ancestor(el, W_TBL, stop)
