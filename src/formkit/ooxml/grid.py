"""A .docx body → tables as grids of cells, with text resolved as a reader needs it (``runs.py``: what Word
shows of each paragraph) and check boxes (``w14:checkbox`` controls and legacy ``FORMCHECKBOX`` fields) as ☒/☐
with their state; merged cells resolved: a ``gridSpan`` cell fills the columns it spans, a ``vMerge``
continuation is the cell above it; the grid's size is checked against the limits before it is allocated.

Most returned forms have no alternate content, revisions, text boxes or hidden text: such a *plain* main part
is most often read without a tree at all (``streamed.py``); when it is parsed, its tables are read in one pass
each over the elements that matter: in C over the tree lxml parsed (``_tablescan.c``, when it was built), else
in Python (``tbl.iter`` filters them in C); the others by the careful walk, row by row and cell by cell. All
give the same grid (tests/test_read_paths.py, tests/test_tablescan.py, tests/test_bodyscan.py).
"""

from __future__ import annotations

from itertools import takewhile

from lxml import etree

from formkit.document import Cell, Table
from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits, over
from formkit.ooxml.hidden import NOTHING_HIDDEN, W_VAL, Hiding
from formkit.ooxml.ns import NS, qn
from formkit.ooxml.runs import (
    CHECKED,
    EXOTIC,
    MC_ALTERNATE,
    SKIP,
    UNCHECKED,
    W14_CHECKBOX,
    W_BR,
    W_CHECKBOX,
    W_CR,
    W_P,
    W_SDT,
    W_T,
    W_TAB,
    W_TABS,
    W_TBL,
    W_TC,
    W_TR,
    W_TXBX,
    W_VANISH,
    chosen_branch,
    has_ancestor,
    legacy_checked,
    own_paragraph,
    paragraph_text,
)


class GridError(FormkitError):
    """A table too large to lay out as a grid within the limits."""


class _Doc:
    """Per-document facts that let the walk skip work, and the grid positions laid out so far.

    Most forms have no alternate content, revisions, text boxes or hidden text: such a document is ``plain``
    and its tables are read in one pass each (:func:`_plain_grid`; a nested table found on the way makes it
    careful after all). The careful walk's own facts (controls, legacy check boxes, nested tables) are
    gathered only for a careful document."""

    def __init__(self, root: etree._Element, hiding: Hiding = NOTHING_HIDDEN, limits: Limits = DEFAULT,
                 plain: bool = True):
        # cheap: lxml looks the names up in its (per-thread) name dictionary first and does not walk the
        # tree when none was ever parsed
        tags = {el.tag for el in root.iter(*EXOTIC)}
        self.alternates = MC_ALTERNATE in tags
        self.skippable = bool(tags & SKIP) or self.alternates
        self.textboxes = W_TXBX in tags
        self.hiding = hiding
        self.hides = W_VANISH in tags or hiding.active
        self.plain = plain and not (self.skippable or self.hides or self.textboxes)
        self.limits = limits
        self.positions = 0
        self.controls = self.legacy_boxes = self.nested = False
        if not self.plain:
            tags = {el.tag for el in root.iter(W_SDT, W_CHECKBOX)}
            self.controls, self.legacy_boxes = W_SDT in tags, W_CHECKBOX in tags
            self.nested = any(True for t in root.iter(W_TBL) if _in_table(t, root))



W_BODY, W_TCPR, W_GRIDSPAN, W_VMERGE = qn("w:body"), qn("w:tcPr"), qn("w:gridSpan"), qn("w:vMerge")
W_SDTPR, W_SDTCONTENT, W_TAG = qn("w:sdtPr"), qn("w:sdtContent"), qn("w:tag")
W_SHOWING, W_CUSTOMXML = qn("w:showingPlcHdr"), qn("w:customXml")
W14_CHECKED, W14_VAL = f"{{{NS['w14']}}}checked", f"{{{NS['w14']}}}val"
# block-, row- and cell-level wrappers whose content counts as if unwrapped (of alternate content, the branch
# Word shows)
WRAPPERS = (W_SDT, W_CUSTOMXML, MC_ALTERNATE)


def _content(wrapper: etree._Element) -> etree._Element | None:
    if wrapper.tag == W_SDT:
        return wrapper.find(W_SDTCONTENT)
    return chosen_branch(wrapper) if wrapper.tag == MC_ALTERNATE else wrapper


def _children(el: etree._Element, tag: str):
    """Children ``tag`` of ``el``, looking through content controls, custom XML and alternate content around
    them (python-docx misses rows and cells wrapped that way)."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            content = _content(child)
            if content is not None:
                yield from _children(content, tag)


def tables(body: etree._Element, hidden: Hiding = NOTHING_HIDDEN, limits: Limits = DEFAULT) -> list[Table]:
    """Every table in document order (a nested table after the table that holds it), each with the text of
    the nearest paragraph before it as its caption. ``body`` may also be the ``w:document`` around it;
    ``hidden`` is what the styles part says about hidden text (:func:`hiding`). A grid wider than
    ``limits.grid_columns`` or all grids together larger than ``limits.grid_cells`` raise a GridError
    (``docx.grid-too-large``) before the grid is allocated."""
    if body.tag != W_BODY and body.find(W_BODY) is not None:
        body = body.find(W_BODY)
    doc = _Doc(body, hidden, limits)
    if doc.plain:
        try:
            return _tables(body, doc)
        except _NotPlain:  # a nested table, or a row or cell where only the careful walk reads it right
            doc = _Doc(body, hidden, limits, plain=False)
    return _tables(body, doc)


def _tables(body: etree._Element, doc: _Doc) -> list[Table]:
    """The tables, each with its caption: the text of the nearest paragraph with text before it (back to the
    table before; else the caption before)."""
    out: list[Table] = []
    caption, before = "", []
    if next(body.iterchildren(*WRAPPERS), None) is None:  # every block right in the body: lxml finds them
        for tbl in body.iterchildren(W_TBL):
            caption = _caption(takewhile(_paragraph, tbl.itersiblings(W_P, W_TBL, preceding=True)), doc, caption)
            _collect(tbl, doc, caption, out)
        return out
    for el in _blocks(body):
        if el.tag == W_P:
            before.append(el)
            continue
        caption = _caption(reversed(before), doc, caption)
        before = []
        _collect(el, doc, caption, out)
    return out


def _paragraph(el: etree._Element) -> bool:
    return el.tag == W_P


def _caption(paragraphs, doc: _Doc, caption: str) -> str:
    """The text of the first of ``paragraphs`` (the nearest first) that has any, else ``caption``."""
    for p in paragraphs:
        text = paragraph_text(p, doc).strip()
        if text:
            return text
    return caption


def _blocks(el: etree._Element):
    for child in el:
        if child.tag in (W_P, W_TBL):
            yield child
        elif child.tag in WRAPPERS:
            content = _content(child)
            if content is not None:
                yield from _blocks(content)


def _collect(tbl: etree._Element, doc: _Doc, caption: str, out: list[Table]) -> None:
    table = (_plain_table if doc.plain else _grid)(len(out) + 1, tbl, doc, caption)
    out.append(table)
    if doc.nested:
        for tr in _children(tbl, W_TR):
            for tc in _children(tr, W_TC):
                for inner in _blocks(tc):
                    if inner.tag == W_TBL:
                        _collect(inner, doc, "", out)


def _grid(number: int, tbl: etree._Element, doc: _Doc, caption: str) -> Table:
    rows: list[list[Cell]] = []
    for tr in _children(tbl, W_TR):
        row: list[Cell] = []
        for tc in _children(tr, W_TC):
            span, continues = 1, False
            pr = tc[0] if len(tc) else None  # tcPr, when present, is the first child (ISO 29500 §17.4.66)
            if pr is not None and pr.tag == W_TCPR:
                for prop in pr:
                    span, continues = _merge(prop, span, continues)
            _place(rows, row, span, continues, _Careful(tc, doc), None, doc, number)
        rows.append(row)
    return Table(number, rows, caption)


class _Careful:
    """A cell the careful walk reads (:func:`_cell`) only when it is laid out (not the cell above)."""

    __slots__ = ("tc", "doc")

    def __init__(self, tc: etree._Element, doc: _Doc):
        self.tc, self.doc = tc, doc

    def cell(self, _text: None, r: int, col: int, span: int) -> Cell:
        return _cell(self.tc, r, col, span, self.doc)


def _merge(prop: etree._Element, span: int, continues: bool) -> tuple[int, bool]:
    """A cell property's say on how the cell is merged: the columns it spans, whether it continues the cell
    above."""
    if prop.tag == W_GRIDSPAN:
        try:
            return max(int(prop.get(W_VAL, "1")), 1), continues
        except ValueError:
            return 1, continues
    if prop.tag == W_VMERGE:
        return span, prop.get(W_VAL, "continue") == "continue"
    return span, continues


def _place(rows: list[list[Cell]], row: list[Cell], span: int, continues: bool, maker, text, doc: _Doc,
           number: int) -> None:
    """Lay the next cell of ``row`` (below ``rows``) over the columns it spans: the cell above when it
    continues it, else ``maker.cell(text, row, column, span)``; the grid's size is checked before anything is
    allocated."""
    r, col, limits = len(rows), len(row), doc.limits
    doc.positions += span
    if col + span > limits.grid_columns or doc.positions > limits.grid_cells:
        raise GridError("docx.grid-too-large",
                        f"表{number}过大（第{r + 1}行达到 {col + span} 列，全部表格合计 {doc.positions} 个单元格位置），"
                        f"超过上限（{over('grid_columns', limits)}；{over('grid_cells', limits)}），可能是恶意文件",
                        {"table": number})
    above_row = rows[-1] if rows else None
    above = above_row[col] if continues and above_row is not None and col < len(above_row) else None
    if span == 1 and above is None:
        row.append(maker.cell(text, r, col, span))
    else:
        row.extend([above or maker.cell(text, r, col, span)] * span)


GRID = (W_T, W_P, W_TC, W_TR, W_SDTPR, W_GRIDSPAN, W_VMERGE, W_TAB, W_BR, W_CR, W_CHECKBOX, W_TBL)
LINE = {W_BR: "\n", W_CR: "\n"}


class _NotPlain(Exception):
    """A table the one-pass walk does not read as the careful walk would: left to the careful walk."""


class _Extra:
    """What the one pass has gathered of a cell beyond its text and merge: controls, legacy check boxes."""

    __slots__ = ("placeholder", "checked", "tags", "legacy")

    def __init__(self):
        self.placeholder, self.checked, self.tags, self.legacy = False, None, [], False

    def add(self, node: etree._Element, tc: etree._Element, parts: list[str]) -> None:
        """A control's properties, a tab, a line break or a legacy check box in the cell ``tc``."""
        tag = node.tag
        if tag == W_SDTPR:
            if node.getparent().tag == W_SDT and _inside(node, tc):
                showing, self.checked = _control(node, self.tags, self.checked)
                self.placeholder = self.placeholder or showing
        elif tag == W_TAB:
            if node.getparent().tag != W_TABS:  # a tab stop of the paragraph's properties is not text
                parts.append("\t")
        elif tag == W_CHECKBOX:
            self.legacy = True
            parts.append(CHECKED if legacy_checked(node) else UNCHECKED)
        else:
            parts.append("\n")

    def cell(self, text: str, r: int, col: int, span: int) -> Cell:
        checked = CHECKED in text if self.checked is None and self.legacy else self.checked
        return Cell(text, r, col, span, self.placeholder, checked, tuple(self.tags))


PLAIN = _Extra()  # a cell with nothing but text (never changed)


SCAN_ABI = 2  # what _tablescan.c says it is (its arguments and results): a module built from other source is not used


def _c_scan():
    """The C scan of a plain table (built by hatch_build.py when a compiler was there), when it is the one this
    code calls and reads a small table right in this process (lxml and libxml2 laid out as it was built for);
    else None: the Python walk."""
    try:
        from formkit.ooxml import _tablescan
    except ImportError:
        return None
    if getattr(_tablescan, "ABI", None) != SCAN_ABI:
        return None
    probe = etree.fromstring(f'<w:tbl xmlns:w="{NS["w"]}"><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>'
                             '<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t></w:r></w:p></w:tc></w:tr></w:tbl>')
    cell = Cell("甲\t乙", 0, 0, 2)
    try:
        read = _tablescan.scan(probe, 10, 10, Cell)
    except Exception:  # noqa: BLE001 - anything wrong with the module: the Python walk reads
        return None
    return _tablescan.scan if read == [[cell, cell]] else None


_scan = _c_scan()


def _plain_table(number: int, tbl: etree._Element, doc: _Doc, caption: str) -> Table:
    """A table of a plain document: scanned and laid out in C (:mod:`formkit.ooxml._tablescan`, when it was
    built), else (or when the scan leaves it to Python) by :func:`_plain_grid`; both give the same grid."""
    if _scan is not None:
        rows = _scan(tbl, doc.limits.grid_columns, doc.limits.grid_cells - doc.positions, Cell)
        if rows is not None:
            doc.positions += sum(map(len, rows))
            return Table(number, rows, caption)
    return _plain_grid(number, tbl, doc, caption)


def _plain_grid(number: int, tbl: etree._Element, doc: _Doc, caption: str) -> Table:
    """A table of a plain document in one pass over its elements (``tbl.iter`` filters them in C): the
    same grid, text, controls and merges as :func:`_grid`, which walks it row by row and cell by cell. A
    cell with nothing but text and a merge (most of them) is laid out here; one with controls, tabs, breaks
    or check boxes by :func:`_place`."""
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    tr = tc = extra = None  # of the cell being read: what it has beyond text and a merge (an _Extra)
    parts: list[str] = []
    paragraphs, span, continues = 0, 1, False  # of the cell: its text counts from its first paragraph
    columns, cells = doc.limits.grid_columns, doc.limits.grid_cells
    for node in tbl.iter(GRID):
        tag = node.tag
        if tag == W_T:
            if paragraphs:
                parts.append(node.text or "")
        elif tag == W_P:
            if tc is not None:
                if paragraphs:
                    parts.append("\n")
                paragraphs += 1
        elif tag == W_TC or tag == W_TR:
            if tc is not None:
                col = len(row)
                if extra is None and not continues and col + span <= columns and doc.positions + span <= cells:
                    doc.positions += span
                    cell = Cell("".join(parts).strip(), len(rows), col, span)
                    if span == 1:
                        row.append(cell)
                    else:
                        row.extend([cell] * span)
                else:
                    _place(rows, row, span, continues, extra or PLAIN, "".join(parts).strip(), doc, number)
                tc = extra = None
                parts = []
                paragraphs, span, continues = 0, 1, False
            if tag == W_TR:
                if node.getparent() is not tbl:
                    _wrapped(node, tbl)
                if tr is not None:
                    rows.append(row)
                tr, row = node, []
            else:
                if tr is None or node.getparent() is not tr:
                    _wrapped(node, tr)
                tc = node
        elif tc is None:
            if tag == W_TBL and node is not tbl:
                raise _NotPlain("nested table")
        elif tag == W_GRIDSPAN or tag == W_VMERGE:
            pr = node.getparent()
            if pr.tag == W_TCPR and pr.getparent() is tc and tc[0] is pr:
                span, continues = _merge(node, span, continues)
        elif tag == W_TBL:
            raise _NotPlain("nested table")
        elif paragraphs or tag == W_SDTPR:
            if extra is None:
                extra = _Extra()
            extra.add(node, tc, parts)
    if tc is not None:
        _place(rows, row, span, continues, extra or PLAIN, "".join(parts).strip(), doc, number)
    if tr is not None:
        rows.append(row)
    return Table(number, rows, caption)


def _wrapped(el: etree._Element, container: etree._Element | None) -> None:
    """``el`` (a row, a cell) is a child of ``container`` (its table, its row) or inside content controls and
    custom XML there, as :func:`_children` finds it; else the careful walk reads the table."""
    parent = el.getparent()
    while parent is not container:
        tag = parent.tag if parent is not None else None
        if tag == W_SDTCONTENT:
            if parent.getparent().find(W_SDTCONTENT) is not parent:
                raise _NotPlain("second content of a control")
        elif tag not in (W_SDT, W_CUSTOMXML):
            raise _NotPlain("row or cell outside its table")
        parent = parent.getparent()


def _inside(el: etree._Element, tc: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not tc:
        if parent.tag in (W_TR, W_TBL):
            return False
        parent = parent.getparent()
    return parent is tc


def _cell(tc: etree._Element, r: int, col: int, span: int, doc: _Doc) -> Cell:
    paragraphs = _cell_paragraphs(tc, doc)
    text = "\n".join(paragraph_text(p, doc) for p in paragraphs).strip()
    placeholder, checked, tags = False, None, []
    if doc.controls:
        for sdt in tc.iter(W_SDT):
            pr = sdt.find(W_SDTPR)
            if pr is not None:
                showing, checked = _control(pr, tags, checked)
                placeholder = placeholder or showing
    if checked is None and doc.legacy_boxes and any(True for _ in tc.iter(W_CHECKBOX)):
        checked = CHECKED in text
    return Cell(text, r, col, span, placeholder, checked, tuple(tags))


def _control(pr: etree._Element, tags: list[str], checked: bool | None) -> tuple[bool, bool | None]:
    """A content control's properties: whether it shows its placeholder, and the cell's check box state
    (a check box control's, else ``checked`` as it was); its tag is added to ``tags``."""
    showing, tag, box = False, None, None
    for prop in pr:  # the first of each, as find() would
        name = prop.tag
        if name == W_SHOWING:
            showing = True
        elif name == W_TAG and tag is None:
            tag = prop
        elif name == W14_CHECKBOX and box is None:
            box = prop
    if tag is not None and tag.get(W_VAL):
        tags.append(tag.get(W_VAL))
    if box is not None:
        state = box.find(W14_CHECKED)
        checked = state is not None and state.get(W14_VAL, "0") in ("1", "true")
    return showing, checked


def _cell_paragraphs(tc: etree._Element, doc: _Doc) -> list[etree._Element]:
    if not doc.nested and not doc.textboxes and not doc.alternates:
        return list(tc.iter(W_P))
    return [p for p in tc.iter(W_P) if own_paragraph(p, tc)]


def _in_table(el: etree._Element, stop: etree._Element) -> bool:
    return has_ancestor(el, W_TBL, stop)
