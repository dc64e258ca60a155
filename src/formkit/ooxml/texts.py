"""What a .docx prints, unit by unit: each body paragraph (with the text boxes anchored in it) and each
table cell, in document order. The GB/T 9704 checks compare it with the rendered PDF, paragraph by paragraph,
to find characters a renderer dropped."""

from __future__ import annotations

from dataclasses import dataclass

from formkit.ooxml.ns import qn
from formkit.ooxml.package import Package

W_P, W_TBL, W_T = qn("w:p"), qn("w:tbl"), qn("w:t")
FIELDS = (qn("w:fldChar"), qn("w:fldSimple"))
W_TXBX = qn("w:txbxContent")
W_VANISH = f"{qn('w:rPr')}/{qn('w:vanish')}"


@dataclass(frozen=True)
class Printed:
    index: int  # 1-based: the n-th paragraph or cell of the body
    kind: str  # paragraph, cell, box (a paragraph whose text is in the text boxes anchored in it: the 版记)
    text: str


def printed_texts(data: bytes) -> list[Printed]:
    """Every body paragraph and table cell with the text it prints (hidden runs left out); a paragraph
    holding a field (a page number, a page reference) is left out, its shown value being the renderer's."""
    package = Package(data)
    body = package.xml(package.main_part()).find(qn("w:body"))
    out: list[Printed] = []
    for child in body if body is not None else ():
        if child.tag == W_P:
            if not any(True for tag in FIELDS for _ in child.iter(tag)):
                boxed = any(True for _ in child.iter(W_TXBX))
                out.append(Printed(len(out) + 1, "box" if boxed else "paragraph", _text(child)))
        elif child.tag == W_TBL:
            for cell in child.iter(qn("w:tc")):
                out.append(Printed(len(out) + 1, "cell", _text(cell)))
    return out


def _text(element) -> str:
    parts = []
    for t in element.iter(W_T):
        vanish = t.getparent().find(W_VANISH)  # the run's own properties
        if vanish is None or vanish.get(qn("w:val"), "true") in ("0", "false", "off"):
            parts.append(t.text or "")
    return "".join(parts)
