"""A .docx body → tables as grids of cells, with text resolved as a reader needs it.

- text from every run, inside content controls, fields and tracked insertions; deleted and moved-away text
  (``w:delText``, ``w:moveFrom``) left out, so tracked changes read as their final text;
- hidden text (``w:vanish`` on a run, or through its character or paragraph style) left out, as Word does
  not show it; a hidden paragraph mark only joins paragraphs and hides no text;
- of an ``mc:AlternateContent`` only the first branch (``mc:Fallback`` repeats it);
- check boxes (``w14:checkbox`` controls and legacy ``FORMCHECKBOX`` fields) as ☒/☐ with their state;
- merged cells resolved: a ``gridSpan`` cell fills the columns it spans, a ``vMerge`` continuation is the
  cell above it; the grid's size is checked against the limits before it is allocated.
"""

from __future__ import annotations

from lxml import etree

from formkit.document import Cell, Table
from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits, over
from formkit.ooxml.ns import NS, qn

W_T, W_TAB, W_BR, W_CR, W_P = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:p")
W_TBL, W_TR, W_TC, W_SDT = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
W_CHECKBOX, W_DEL, W_MOVEFROM = qn("w:checkBox"), qn("w:del"), qn("w:moveFrom")
W14_CHECKBOX = f"{{{NS['w14']}}}checkbox"
MC_FALLBACK = f"{{{NS['mc']}}}Fallback"
W_R, W_RPR, W_PPR, W_VANISH = qn("w:r"), qn("w:rPr"), qn("w:pPr"), qn("w:vanish")
W_RSTYLE, W_PSTYLE, W_TABS = qn("w:rStyle"), qn("w:pStyle"), qn("w:tabs")
SKIP = {MC_FALLBACK, W_DEL, W_MOVEFROM}
CHECKED, UNCHECKED = "☒", "☐"
OFF = ("0", "false", "off")


class GridError(FormkitError):
    """A table too large to lay out as a grid within the limits."""


class _Doc:
    """Per-document facts that let the walk skip work (most forms have no fallbacks, revisions, nested
    tables, text boxes or hidden text), and the grid positions laid out so far."""

    def __init__(self, root: etree._Element, hidden_styles: frozenset[str] = frozenset(),
                 limits: Limits = DEFAULT):
        tags = {el.tag for el in root.iter(MC_FALLBACK, W_DEL, W_MOVEFROM, W_SDT, W_CHECKBOX, W_VANISH,
                                           "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}txbxContent")}
        self.skippable = bool(tags & SKIP)
        self.controls = W_SDT in tags
        self.legacy_boxes = W_CHECKBOX in tags
        self.textboxes = any(t.endswith("}txbxContent") for t in tags)
        self.nested = any(True for t in root.iter(W_TBL) if _in_table(t, root))
        self.hidden_styles = hidden_styles
        self.hiding = W_VANISH in tags or bool(hidden_styles)
        self.limits = limits
        self.positions = 0


def hidden_styles(styles: etree._Element | None) -> frozenset[str]:
    """Ids of the styles (character or paragraph) whose runs Word does not show: ``w:vanish`` in the style's
    run properties, or inherited through ``w:basedOn``."""
    if styles is None:
        return frozenset()
    own: dict[str, bool | None] = {}
    based: dict[str, str] = {}
    for style in styles.iter(qn("w:style")):
        sid = style.get(qn("w:styleId"))
        if not sid:
            continue
        vanish = style.find(f"{W_RPR}/{W_VANISH}")
        own[sid] = None if vanish is None else _on(vanish)
        parent = style.find(qn("w:basedOn"))
        if parent is not None and parent.get(W_VAL):
            based[sid] = parent.get(W_VAL)

    def hidden(sid: str, depth: int = 0) -> bool:
        state = own.get(sid)
        if state is not None or sid not in based or depth > 32:
            return bool(state)
        return hidden(based[sid], depth + 1)

    return frozenset(sid for sid in own if hidden(sid))


def _on(flag: etree._Element) -> bool:
    return flag.get(W_VAL, "1").lower() not in OFF


def _hidden_run(node: etree._Element, doc: _Doc, paragraph_hidden: bool) -> bool:
    run = node.getparent()
    if run is None or run.tag != W_R:
        return paragraph_hidden
    rpr = run.find(W_RPR)
    if rpr is not None:
        vanish = rpr.find(W_VANISH)
        if vanish is not None:
            return _on(vanish)
        style = rpr.find(W_RSTYLE)
        if style is not None and style.get(W_VAL) in doc.hidden_styles:
            return True
    return paragraph_hidden


def _paragraph_hidden(p: etree._Element, doc: _Doc) -> bool:
    """Runs of a paragraph whose style hides text are hidden (unless a run says otherwise)."""
    if not doc.hidden_styles:
        return False
    style = p.find(f"{W_PPR}/{W_PSTYLE}")
    return style is not None and style.get(W_VAL) in doc.hidden_styles


def _skipped(node: etree._Element, stop: etree._Element) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in SKIP:
            return True
        parent = parent.getparent()
    return False


def paragraph_text(p: etree._Element, doc: _Doc | None = None) -> str:
    skippable = doc.skippable if doc else True
    hiding = doc is not None and doc.hiding
    paragraph_hidden = hiding and _paragraph_hidden(p, doc)
    parts = []
    for node in p.iter(W_T, W_TAB, W_BR, W_CR, W_CHECKBOX):
        if skippable and _skipped(node, p):
            continue
        tag = node.tag
        if hiding and tag != W_CHECKBOX and _hidden_run(node, doc, paragraph_hidden):
            continue
        if tag == W_T:
            parts.append(node.text or "")
        elif tag == W_TAB:
            if node.getparent().tag != W_TABS:  # a tab stop of the paragraph's properties is not text
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


def tables(body: etree._Element, hidden: frozenset[str] = frozenset(), limits: Limits = DEFAULT) -> list[Table]:
    """Every table in document order (a nested table after the table that holds it), each with the text of
    the nearest paragraph before it as its caption. ``body`` may also be the ``w:document`` around it;
    ``hidden`` are the ids of styles that hide text (:func:`hidden_styles`). A grid wider than
    ``limits.grid_columns`` or all grids together larger than ``limits.grid_cells`` raise a GridError
    (``docx.grid-too-large``) before the grid is allocated."""
    if body.tag != W_BODY and body.find(W_BODY) is not None:
        body = body.find(W_BODY)
    doc = _Doc(body, hidden, limits)
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
    limits = doc.limits
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
            doc.positions += span
            if col + span > limits.grid_columns or doc.positions > limits.grid_cells:
                raise GridError("docx.grid-too-large",
                                f"表{number}过大（第{r + 1}行达到 {col + span} 列，全部表格合计 {doc.positions} 个单元格位置），"
                                f"超过上限（{over('grid_columns', limits)}；{over('grid_cells', limits)}），可能是恶意文件",
                                {"table": number})
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
