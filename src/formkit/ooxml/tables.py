"""Tables written fast: one prototype table per shape is built through python-docx, and every table of that
shape is then the prototype's XML with the text put in (building each cell through python-docx costs about
1 ms, most of a national dossier's time)."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from docx.oxml import parse_xml

from formkit.ooxml.paragraphs import append_block
from formkit.ooxml.proxy import element
from formkit.ooxml.xml import serialize

_MARKED = re.compile(r"<w:t>\ue000\d+\ue001</w:t>")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def placeholder(column: int) -> str:
    """The text a prototype's cell holds in ``column`` (private-use characters: in no value)."""
    return f"\ue000{column}\ue001"


class TablePrototype:
    """A python-docx table of two rows (header, body) whose cells hold :func:`placeholder` texts, taken out
    of its document and kept as XML around each cell's text."""

    def __init__(self, table):
        tbl = element(table)
        rows = []
        for tr in tbl.tr_lst:
            xml = re.sub(r' xmlns:\w+="[^"]*"', "", serialize(tr))
            rows.append(_MARKED.split(xml))  # the row around each cell's text
            tbl.remove(tr)
        tbl.getparent().remove(tbl)
        self.shell = serialize(tbl).replace("</w:tbl>", "")
        self.header, self.body = rows[0], rows[1]
        self.columns = len(self.header) - 1

    def append_to(self, document, rows: list[list[str]]) -> None:
        """A table of ``rows`` (the first the header) at the end of ``document``'s body."""
        def row(pieces: list[str], values: list[str]) -> str:
            cells = [run_text(values[c] if c < len(values) else "") for c in range(self.columns)]
            return "".join(piece + text for piece, text in zip(pieces, cells, strict=False)) + pieces[-1]

        xml = self.shell + row(self.header, rows[0]) + "".join(row(self.body, r) for r in rows[1:]) + "</w:tbl>"
        append_block(document, parse_xml(xml))  # from the end: no scan of the body


def run_text(text: str) -> str:
    """``text`` as run content, the way python-docx's ``add_run`` writes it: tabs and line breaks as their
    own elements."""
    t = escape(_CONTROL.sub("", text)).replace("\r\n", "\n").replace("\r", "\n")
    t = t.replace("\t", '</w:t><w:tab/><w:t xml:space="preserve">').replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
    return f'<w:t xml:space="preserve">{t}</w:t>'
