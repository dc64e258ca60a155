"""Long documents written fast and small. A paragraph of one shape (its layout, its runs' fonts) is made
once through python-docx, and every further paragraph of that shape is a copy of its XML with the runs'
texts put in (making each through python-docx costs about 1 ms, most of a national dossier's time): the
companion of :mod:`formkit.ooxml.tables`. What is written is spooled (:class:`Spool`): kept as its XML text
(some 60 MB for a national dossier) instead of as a tree (14 times that), and put back when the document is
saved. And how a table flows after a heading kept with it."""

from __future__ import annotations

import io
import re
import zipfile
from copy import deepcopy

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

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


_DECLARATION = re.compile(rb' xmlns:\w+="[^"]*"')
_SPOOLED = re.compile(rb"<w:p><w:r><w:t>\xee\x80\x8f(\d+)\xee\x80\x8f</w:t></w:r></w:p>")
DOCUMENT_PART = "word/document.xml"


def _bare(xml: bytes) -> bytes:
    """A block's XML without the namespace declarations of its first tag (the document's root has them);
    nothing else is touched (a declaration typed into an answer is text)."""
    end = xml.index(b">")
    return _DECLARATION.sub(b"", xml[:end]) + xml[end:]


class Spool:
    """The body of a document being written, spooled: :meth:`take` replaces what was appended since the
    last time by one placeholder paragraph and keeps its XML; :meth:`splice` puts it back into the saved
    package. The body's blocks may use only namespaces its root declares (``w``)."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self._last = None  # the latest placeholder

    def take(self, document) -> None:
        body = element(document).body
        block = self._last.getnext() if self._last is not None else body[0]
        blocks = []
        while block is not None and block.tag != qn("w:sectPr"):
            blocks.append(block)
            block = block.getnext()
        if not blocks:
            return
        self.chunks.append(b"".join(_bare(etree.tostring(b, encoding="utf-8", with_tail=False)) for b in blocks))
        placeholder = parse_xml(f"<w:p {nsdecls('w')}><w:r><w:t>\ue00f{len(self.chunks) - 1}\ue00f</w:t></w:r></w:p>")
        blocks[0].addprevious(placeholder)
        for b in blocks:
            body.remove(b)
        self._last = placeholder

    def splice(self, package: bytes) -> bytes:
        """The saved package (.docx bytes) with every spooled block in its place."""
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == DOCUMENT_PART:
                    data = _SPOOLED.sub(lambda m: self.chunks[int(m.group(1))], data)
                dst.writestr(info, data)
        return out.getvalue()
