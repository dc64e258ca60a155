"""The dossier's paragraphs and tables. A national dossier has tens of thousands of paragraphs of a handful
of shapes (a body line, a heading that keeps with what follows, a long answer under its label, a legend
line): each shape is laid out once by the GB/T 9704 composer and copied after
(:class:`formkit.ooxml.paragraphs.ParagraphPrototype`), as tables are."""

from __future__ import annotations

from docx.enum.text import WD_BREAK

from formkit.gongwen.compile import Composer
from formkit.ooxml import official as ox
from formkit.ooxml.paragraphs import ParagraphPrototype, Spool, header_may_split

MARK = "\ue000"  # what a shape's runs hold until copied (a private-use character: in no answer)
NOTE_CHAR, NOTE_LINE = 280, 400  # twips: one 4号 character, a legend's line


class Writer:
    def __init__(self, c: Composer, spool: Spool | None = None):
        self.c, self.spool = c, spool
        self._shapes: dict[tuple, ParagraphPrototype] = {}

    def done(self) -> None:
        """What is written so far is final: spooled, when there is a spool."""
        if self.spool is not None:
            self.spool.take(self.c.doc)

    def line(self, text: str, role: str = "body", keep: bool = False) -> None:
        """An indented paragraph in ``role``'s font; ``keep``: on the same page as the next one (a heading,
        a table's caption)."""
        self._put(("line", role, keep), [text])

    def heading(self, text: str, level: int, number: int, name: str, indent: bool = True) -> None:
        """A heading of the contents (``level`` 0, 1): in the outline, bookmarked as ``name`` (``number``: the
        bookmark's id), on the same page as what follows it."""
        self._put(("heading", level, indent), [text], (number, name))

    def page_break(self) -> None:
        self._put(("break",), [])

    def labelled(self, label: str, text: str) -> None:
        """``label`` in 黑体, then ``text``: the first paragraph of a long answer."""
        self._put(("labelled",), [label, text])

    def note(self, text: str, first: bool) -> None:
        """A legend line in 4号 under a table, ``first`` (注：1.…) hanging, the others aligned after 注："""
        self._put(("note", first), [text])

    def table(self, rows: list[list[str]], widths: tuple[int, ...], size: int,
              align: tuple[str, ...] | None = None) -> None:
        """A table (its header repeated on every page), on the same page as a heading kept with it."""
        self.c.table(rows, widths=widths, size=size, align=align)
        header_may_split(self.c.doc)

    def _put(self, shape: tuple, texts: list[str], bookmark: tuple[int, str] | None = None) -> None:
        if shape not in self._shapes:
            self._shapes[shape] = ParagraphPrototype(self._make(shape))
        self._shapes[shape].append_to(self.c.doc, texts, bookmark)

    def _make(self, shape: tuple):
        c = self.c
        if shape[0] == "line":
            para = c.line(MARK, role=shape[1])
            para.paragraph_format.keep_with_next = shape[2] or None
        elif shape[0] == "heading":
            para = c.line(MARK, role=f"heading{shape[1] + 1}", outline=shape[1], indent=shape[2])
            para.paragraph_format.keep_with_next = True
            ox.bookmark(para, 0, MARK)
        elif shape[0] == "break":
            para = c.para()
            para.add_run().add_break(WD_BREAK.PAGE)
        elif shape[0] == "labelled":
            para = c.para(first_line=c.p.v("grid.first_line_indent"), jc="both")
            c.run(para, MARK, "heading1")
            c.run(para, MARK)
        else:
            para = c.para(line=NOTE_LINE, left=2 * NOTE_CHAR, hanging=2 * NOTE_CHAR if shape[1] else None,
                          jc="both")
            c.run(para, MARK, size="imprint", spacing=0)
        return para
