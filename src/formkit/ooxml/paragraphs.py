"""Paragraphs written fast: a paragraph of one shape (its layout, its runs' fonts) is made once through
python-docx, and every further paragraph of that shape is a copy of its XML with the runs' texts put in
(making each through python-docx costs about 1 ms, most of a national dossier's time). The companion of
:mod:`formkit.ooxml.tables`; and how a table flows after a heading kept with it."""

from __future__ import annotations

import re
from copy import deepcopy

from docx.oxml.ns import qn

from formkit.ooxml.proxy import element

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def append_block(document, block) -> None:
    """A paragraph or table element at the end of ``document``'s body, before its sectPr. The sectPr is
    the body's last child, taken from the end: python-docx's own insert looks for it from the start, which
    makes a document of tens of thousands of blocks quadratic (a national dossier: minutes)."""
    body = element(document).body
    last = body[-1]  # (len(body) would count every child)
    if last.tag == qn("w:sectPr"):
        last.addprevious(block)
    else:
        body.append(block)


class ParagraphPrototype:
    """A python-docx paragraph, taken out of its document, whose runs each hold one text (or none, a
    page break's)."""

    def __init__(self, paragraph):
        self.element = element(paragraph)
        self.element.getparent().remove(self.element)

    def append_to(self, document, texts: list[str], bookmark: tuple[int, str] | None = None):
        """A paragraph of this shape with ``texts`` in its runs' texts (in order), at the end of
        ``document``'s body; ``bookmark`` (id, name): the shape's bookmark renamed. Returns its element."""
        p = deepcopy(self.element)
        for t, text in zip(p.iter(qn("w:t")), texts, strict=True):
            t.text = _CONTROL.sub("", text).replace("\t", " ")
            t.set(_SPACE, "preserve")
        if bookmark is not None:
            for mark in (*p.iter(qn("w:bookmarkStart")), *p.iter(qn("w:bookmarkEnd"))):
                mark.set(qn("w:id"), str(bookmark[0]))
                if mark.tag == qn("w:bookmarkStart"):
                    mark.set(qn("w:name"), bookmark[1])
        append_block(document, p)
        return p


def header_may_split(document) -> None:
    """The header row of the body's last table without ``w:cantSplit`` (it stays a repeated header). A
    heading kept with its table (keepNext) goes to the next page with it in Word and LibreOffice; but
    LibreOffice (7.4) lets such a table, when its header row may not split, run past the bottom of the type
    area into the page number instead. A one-line header cannot split anyway."""
    for child in reversed(element(document).body):
        if child.tag == qn("w:tbl"):
            tr = child.find(qn("w:tr"))
            tr_pr = tr.find(qn("w:trPr")) if tr is not None else None
            for cant in tr_pr.findall(qn("w:cantSplit")) if tr_pr is not None else ():
                tr_pr.remove(cant)
            return
