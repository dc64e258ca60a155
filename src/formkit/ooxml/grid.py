"""Tables as grids of cell text, with merged cells resolved.

Text is taken from every run in a cell, inside content controls and tracked insertions alike (deleted text
is ``w:delText`` and so left out); of an ``mc:AlternateContent`` only the first branch counts. A cell that
a merge covers (``gridSpan`` to the right, ``vMerge`` below) refers to the cell that starts the merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from formkit.ooxml.ns import qn

W_T, W_TAB, W_BR, W_CR, W_P = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:p")
W_TBL, W_TR, W_TC = qn("w:tbl"), qn("w:tr"), qn("w:tc")
W_SDT, W_SDTCONTENT = qn("w:sdt"), qn("w:sdtContent")
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


@dataclass
class Cell:
    text: str
    row: int
    col: int
    span: int = 1
    placeholder: bool = False
    controls: list[etree._Element] = field(default_factory=list, repr=False)


@dataclass
class Table:
    index: int
    rows: list[list[Cell]]

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]


def element_text(el: etree._Element) -> str:
    """Visible text of an element: paragraphs joined by newlines, nested tables left out."""
    paragraphs = []
    for p in _own(el, W_P):
        parts = []
        for node in p.iter(W_T, W_TAB, W_BR, W_CR):
            if _inside(node, MC_FALLBACK, p):
                continue
            if node.tag == W_T:
                parts.append(node.text or "")
            elif node.tag == W_TAB:
                parts.append("\t")
            else:
                parts.append("\n")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs).strip()


def _inside(node: etree._Element, tag: str, stop: etree._Element) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _own(el: etree._Element, tag: str):
    """Descendants ``tag`` of ``el`` that are not inside a nested table or an mc:Fallback."""
    for node in el.iter(tag):
        if node is el:
            continue
        parent = node.getparent()
        nested = False
        while parent is not None and parent is not el:
            if parent.tag in (W_TBL, MC_FALLBACK) or (parent.tag == W_P and tag == W_P):
                nested = True
                break
            parent = parent.getparent()
        if not nested:
            yield node


def tables(body: etree._Element) -> list[Table]:
    """Every table in document order (nested tables too, after their parent)."""
    return [_grid(i, tbl) for i, tbl in enumerate(t for t in body.iter(W_TBL) if not _inside(t, MC_FALLBACK, body))]


def _grid(index: int, tbl: etree._Element) -> Table:
    rows: list[list[Cell]] = []
    for r, tr in enumerate(_own(tbl, W_TR)):
        row: list[Cell] = []
        col = 0
        for tc in _own(tr, W_TC):
            span = _int_val(tc, "w:tcPr/w:gridSpan", 1)
            vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            continues = vmerge is not None and vmerge.get(qn("w:val"), "continue") == "continue"
            above = rows[r - 1][col] if continues and r > 0 and col < len(rows[r - 1]) else None
            if above is not None:
                cell = above
            else:
                controls = [s for s in _own(tc, W_SDT)]
                placeholder = any(s.find(f"{qn('w:sdtPr')}/{qn('w:showingPlcHdr')}") is not None for s in controls)
                cell = Cell(element_text(tc), r, col, span, placeholder, controls)
            row.extend([cell] * max(span, 1))
            col += max(span, 1)
        rows.append(row)
    return Table(index, rows)


def _int_val(el: etree._Element, path: str, default: int) -> int:
    parts = path.split("/")
    node = el.find("/".join(qn(p) for p in parts))
    try:
        return int(node.get(qn("w:val"))) if node is not None else default
    except (TypeError, ValueError):
        return default
