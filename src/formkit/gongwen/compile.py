"""An :class:`OfficialDocument` → .docx laid out to GB/T 9704-2012, every number from the profile."""

from __future__ import annotations

from datetime import date

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.shared import Pt, Twips

from formkit.gongwen.lists import break_list
from formkit.gongwen.model import Attachment, Block, OfficialDocument, chinese_date
from formkit.gongwen.profile import Profile, load_profile, set_page
from formkit.gongwen.title import title_lines
from formkit.ooxml import official as ox
from formkit.ooxml import props, styling
from formkit.ooxml.tables import TablePrototype, placeholder

LEVEL_FONT = {"p": "body", "h1": "heading1", "h2": "heading2", "h3": "heading3", "h4": "heading4"}
CHAR = 315  # twips: one 3号 character at −0.25 pt spacing (15.75 pt), the grid's 字
MARK_LINE = 900  # twips: exact line of the organ mark (45 pt)


def mark_gap(size_pt: float) -> int:
    """Twips between the top of the mark's exact line and the top of its glyphs in LibreOffice: the
    baseline sits at about 80 % of the line, CJK glyphs rise 0.88 em above it (calibrated on the red ink of
    29 pt and 36 pt marks to ±0.2 mm)."""
    return round(0.8 * MARK_LINE - 0.88 * size_pt * 20 + 20)


def build(doc_model: OfficialDocument, profile: Profile | None = None):
    """A python-docx Document for ``doc_model``."""
    c = Composer.new(profile)
    if doc_model.letter:
        c.letter_head(doc_model)
    else:
        c.head(doc_model)
    c.title(doc_model.title)
    if doc_model.recipients:
        c.blank()
        c.organ_list("，".join(doc_model.recipients) + "：")
    for block in doc_model.body:
        c.block(block)
    if doc_model.attachments:
        c.blank()
        c.attachment_note(doc_model.attachments)
    c.signature(doc_model)
    if doc_model.note:
        c.doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the date with its 附注
        c.line(f"（{doc_model.note_text}）")  # 7.3.6: in one pair of round brackets
    for n, attachment in enumerate(doc_model.attachments, start=1):
        if not attachment.separate:  # one sent separately (另发) has no pages here
            c.attachment(n if len(doc_model.attachments) > 1 else None, attachment)
    c.imprint(doc_model)
    # the document's properties name its issuing organs and its date, not the program that wrote it
    props.finish_document(c.doc, "、".join(doc_model.organs), doc_model.title, doc_model.date)
    return c.doc


def setup_page(doc, p: Profile) -> None:
    """The page, the line grid, the body font and the page numbers (— N —, outside edge) of GB/T 9704."""
    styling.drop_part(doc, "/thumbnail")
    sec = doc.sections[0]
    set_page(sec, p)
    ox.page_grid(sec, p.v("grid.line_pitch"))
    styling.set_document_language(doc)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(p.v("sizes.body") / 2)
    styling.set_fonts(normal, p.v("fonts.body"), p.v("fonts.latin"))
    doc.settings.odd_and_even_pages_header_footer = True
    size = p.v("sizes.page_number")
    indent = size * 10  # 1 字 of the page-number size, in twips
    for footer, jc, side in ((sec.footer, "right", "right"), (sec.even_page_footer, "left", "left")):
        para = footer.paragraphs[0]
        ox.exact_lines(para, size * 10 + 80, jc=jc, **{side: indent})
        ox.page_number_runs(para, p.v("fonts.page_number"), size)


class Composer:
    """Writes the parts of an official document into a python-docx Document, every number from the profile."""

    def __init__(self, doc, profile: Profile):
        self.doc, self.p = doc, profile
        self.pitch = profile.v("grid.line_pitch")
        self.type_width = profile.v("page.type_width")
        self._tables: dict[tuple, TablePrototype] = {}  # one prototype per table shape: see :meth:`table`

    @classmethod
    def new(cls, profile: Profile | None = None) -> Composer:
        """A new document set up to the profile (:func:`setup_page`)."""
        p = profile or load_profile()
        doc = Document()
        setup_page(doc, p)
        return cls(doc, p)

    def para(self, line: int | None = None, **layout):
        para = self.doc.add_paragraph()
        ox.exact_lines(para, line or self.pitch, **layout)
        return para

    def run(self, para, text: str, role: str = "body", size: str = "body", color: str | None = None,
            spacing: int | None = -5):
        r = para.add_run(text)
        ox.style_run(r, self.p.v(f"fonts.{role}"), self.p.v(f"sizes.{size}"), self.p.v("fonts.latin"),
                     spacing, color)
        return r

    def blank(self, n: int = 1) -> None:
        for _ in range(n):
            self.para()

    def line(self, text: str, indent: bool = True, role: str = "body", jc: str = "both", outline: int | None = None,
             **layout):
        para = self.para(first_line=self.p.v("grid.first_line_indent") if indent else 0, jc=jc, **layout)
        if outline is not None:
            ox.outline_level(para, outline)
        self.run(para, text, role)
        return para

    # 版头 -------------------------------------------------------------------------------------------
    def head(self, d: OfficialDocument) -> None:
        used = 0
        for text in (d.copy_number, d.classification, d.urgency):
            if text:
                self.line(text, indent=False, role="classification" if text != d.copy_number else "body", jc="left")
                used += self.pitch
        joint = len(d.organs) > 1 and d.mark is None
        longest = max(len(o) for o in d.organs) + 2 if joint else len(d.mark_text)
        size = min(self.p.v("sizes.mark"), int(2 * 430 / max(longest, 1)))  # fits the 156 mm type width, with slack
        spacer = max(20, round(self.p.v("head.mark_top_mm") * 56.693) - used - mark_gap(size / 2))
        self.para(line=spacer)
        if joint:
            self.joint_mark(d.organs, size)
        else:
            para = self.para(line=MARK_LINE, jc="center")
            self.run(para, d.mark_text, "mark", "mark", color=self.p.v("colours.red"), spacing=0).font.size = Pt(size / 2)
        self.blank(2)
        if d.signers:  # 7.2.6: 发文字号 left-indented 1 字, 签发人 right-indented 1 字 on the same line
            # no paragraph indent (the red rule below is a border of this paragraph and must span the type
            # area): a full-width space before the number, a right tab 1 字 short of the margin
            number = self.para(jc="left")
            ox.right_tab(number, self.type_width - CHAR)
            self.run(number, "\u3000" + (d.number or "") + "\t签发人：")
            self.run(number, "　".join(d.signers), "heading2")
        else:
            number = self.para(jc="center")
            self.run(number, d.number or "")
        ox.bottom_rule(number, self.p.v("colours.red"), self.p.v("head.red_rule_size"),
                       self.p.v("head.red_rule_gap_pt"))
        self.blank(2)

    def letter_head(self, d: OfficialDocument) -> None:
        """10.1 信函格式: the mark 30 mm from the page top and a red double rule (thick over thin) under it,
        a second double rule (thin over thick) 20 mm above the page bottom, both 170 mm wide, in the first
        page's header and footer; no page number on page 1; 发文字号 flush right under the first rule."""
        sec = self.doc.sections[0]
        sec.different_first_page_header_footer = True
        red = self.p.v("colours.red")
        wide = -397  # 7 mm beyond each side of the 156 mm type area: 170 mm
        mark = d.organs[0] if d.mark is None else d.mark
        size = min(self.p.v("sizes.mark"), int(2 * 430 / max(len(mark), 1)))
        head = sec.first_page_header.paragraphs[0]
        ox.exact_lines(head, MARK_LINE, jc="center", left=wide, right=wide)
        self.run(head, mark, "mark", "mark", color=red, spacing=0).font.size = Pt(size / 2)
        ox.double_rule(head, "bottom", "thickThinSmallGap", red, 18, 1)
        sec.header_distance = Twips(round(30 * 56.693) - mark_gap(size / 2))
        for text in (d.copy_number, d.classification, d.urgency):
            if text:
                self.line(text, indent=False, jc="left")
        number = self.para(jc="right")
        if d.number:
            self.run(number, d.number)
        # the lower double rule, thin above thick (a top border draws thickThin that way round), 20 mm above the
        # page bottom, anchored to page 1 from its first line
        ox.page_rule(number, 277, 170, "thickThinSmallGap", red, 18)
        self.blank(2)

    def joint_mark(self, organs: list[str], size: int) -> None:
        """7.2.4 joint issuance: the organs stacked, lead organ first, 文件 to their right, centred on them."""
        char = size * 10  # twips per character of the mark
        names_w = max(len(o) for o in organs) * char + char // 2  # slack: a bold substitute is a little wider
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        ox.no_cell_margins(table)
        left, right = table.rows[0].cells
        for column, cell, width in ((table.columns[0], left, names_w), (table.columns[1], right, 2 * char + 40)):
            column.width = Twips(width)  # the grid LibreOffice lays out by
            cell.width = Twips(width)
        for i, organ in enumerate(organs):
            para = left.paragraphs[0] if i == 0 else left.add_paragraph()
            ox.exact_lines(para, MARK_LINE, jc="distribute")
            self.run(para, organ, "mark", "mark", color=self.p.v("colours.red"), spacing=0).font.size = Pt(size / 2)
        right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        ox.exact_lines(right.paragraphs[0], MARK_LINE, jc="left")
        self.run(right.paragraphs[0], "文件", "mark", "mark", color=self.p.v("colours.red"), spacing=0).font.size = Pt(size / 2)
        self.para(line=20)  # a table may not touch the next block

    def title(self, text: str) -> None:
        para = self.para(jc="center")
        for i, line in enumerate(title_lines(text)):
            run = self.run(para, line, "title", "title", spacing=0)
            if i:
                ox.line_break_before(run)

    # 主体 -------------------------------------------------------------------------------------------
    def block(self, block: Block) -> None:
        if block.kind == "table":  # columns as wide as their longest text needs (within limits), 小四
            size = 24
            self.table(block.rows, widths=auto_widths(block.rows, self.type_width / (size * 10)), size=size)
            return
        self.line(block.text, role=LEVEL_FONT[block.kind])

    def table(self, rows: list[list[str]], widths: tuple[int, ...] | None = None, size: int | None = None,
              align: tuple[str, ...] | None = None) -> None:
        """A grid table, its header row repeated on every page. ``widths``: relative column widths over the type
        area; ``size``: text size in half-points (default the imprint's 4号), lines 1.43 times that; ``align``:
        each column's alignment below the header (default centred)."""
        if rows:
            self._prototype(max(len(r) for r in rows), widths, size, align).append_to(self.doc, rows)

    def _prototype(self, cols: int, widths: tuple[int, ...] | None, size: int | None,
                   align: tuple[str, ...] | None) -> TablePrototype:
        """The table of this shape built once through python-docx (:mod:`formkit.ooxml.tables`)."""
        key = (cols, widths, size, align)
        if key not in self._tables:
            table = self.doc.add_table(rows=2, cols=cols)
            table.style = self.doc.styles["Table Grid"]
            if widths:
                table.autofit = False
                twips = [self.type_width * w // sum(widths) for w in widths]
                for column, width in zip(table.columns, twips, strict=True):
                    column.width = Twips(width)
                ox.cell_margins(table, 57)  # 1 mm each side: room for the figures
            line = round((size or self.p.v("sizes.imprint")) * 10 * 1.43)
            for r, row in enumerate(table.rows):
                styling.row_cannot_split(row, header=r == 0)
                for c, cell in enumerate(row.cells):
                    if widths:
                        cell.width = Twips(twips[c])
                    para = cell.paragraphs[0]
                    ox.exact_lines(para, line, jc=align[c] if align and r else "center")
                    run = self.run(para, placeholder(c), "body", "imprint", spacing=0)
                    if size:
                        ox.style_run(run, self.p.v("fonts.body"), size, self.p.v("fonts.latin"), 0)
            self._tables[key] = TablePrototype(table)
        return self._tables[key]

    def organ_list(self, text: str) -> None:
        """主送 (7.3.2): flush left, continuation lines flush left, broken only between organs."""
        para = self.para(first_line=0, jc="left")
        for i, line in enumerate(break_list(text, self.p.v("grid.chars_per_line"))):
            run = self.run(para, line)
            if i:
                ox.line_break_before(run)

    def attachment_note(self, attachments: list[Attachment]) -> None:
        """附件说明 (7.3.4): 附件：1.name, one item a paragraph, each continuation line aligned with the first
        character of its name (the label 附件： and the item's number hang before it)."""
        indent, label = 2 * CHAR, _width("附件：")
        several = len(attachments) > 1
        for n, attachment in enumerate(attachments, start=1):
            number = f"{n}." if several else ""
            name = attachment.title + ("（另发）" if attachment.separate else "")
            hang = _width(number) + (label if n == 1 else 0)
            para = self.para(left=indent + label + _width(number), hanging=hang, jc="left")  # unstretched: aligned
            self.run(para, ("附件：" if n == 1 else "") + number + name)

    def signature(self, d: OfficialDocument) -> None:
        self.sign(d.signature or d.organs, d.date, d.sealed)

    def sign(self, names: list[str], when: date, sealed: bool = False) -> None:
        """署名 and 成文日期 (7.3.5), kept on one page with the paragraph before them: never a page holding
        the signature alone (7.3.5.5)."""
        before = len(self.doc.paragraphs)
        self._sign(names, when, sealed)
        paragraphs = self.doc.paragraphs
        for para in paragraphs[max(0, before - 1):len(paragraphs) - 1]:
            para.paragraph_format.keep_with_next = True

    def _sign(self, names: list[str], when: date, sealed: bool) -> None:
        date_text = chinese_date(when)
        if sealed:  # 7.3.5.1: date right-indented 4 字, the organ centred over it
            self.blank(3)
            date_right = self.p.v("signature.date_right_indent_chars") * CHAR
            date_width = _width(date_text)
            for name in names:
                offset = max(0, (date_width - _width(name)) // 2)
                self.run(self.para(jc="right", right=date_right + offset), name)
            self.run(self.para(jc="right", right=date_right), date_text)
            return
        self.blank()  # 7.3.5.2: unsealed
        two = self.p.v("signature.unsealed_right_indent_chars") * CHAR
        width_name = max(_width(n) for n in names)
        width_date = _width(date_text)
        date_right = width_name - width_date
        name_right = two
        if date_right < two:
            date_right = two
            name_right = two + width_date + two - width_name
        for name in names:
            self.run(self.para(jc="right", right=name_right + (width_name - _width(name))), name)
        self.run(self.para(jc="right", right=date_right), date_text)

    def attachment(self, number: int | None, attachment) -> None:
        para = self.para()
        para.add_run().add_break(WD_BREAK.PAGE)
        label = self.para(jc="left")
        self.run(label, f"附件{number}" if number else "附件", "attachment_label")
        self.blank()
        self.title(attachment.title)
        self.blank()
        for block in attachment.blocks:
            self.block(block)

    # 版记 -------------------------------------------------------------------------------------------
    def imprint(self, d: OfficialDocument) -> None:
        rows: list[tuple] = []
        size, indent = self.p.v("sizes.imprint"), self.p.v("imprint.indent")
        if d.copies_to:  # 7.4.2: continuation lines under the first organ, never splitting one
            fits = (self.type_width - 2 * indent) // (size * 10)
            label = "抄送："
            lines = break_list(label + "，".join(d.copies_to) + "。", fits, fits - len(label))
            rows.append(("\n".join(lines), "", len(label) * size * 10))
        if d.printer and not d.letter:  # a letter's 版记 has no 印发 line and no rules
            rows.append((d.printer, chinese_date(d.print_date or d.date) + "印发"))
        if not rows:
            return
        para = self.doc.add_paragraph()
        ox.exact_lines(para, 20)
        thick, thin = (0, 0) if d.letter else (self.p.v("imprint.thick_rule"), self.p.v("imprint.thin_rule"))
        ox.imprint_box(para, rows, 156 * 36000, self.pitch, thick, thin, size, indent, self.p.v("fonts.body"))


# advance widths (em) of the Latin characters official text uses, in Times New Roman (and Liberation Serif,
# its metric twin): what places a continuation line under a name that follows "1." (7.3.4)
LATIN_EM = {**dict.fromkeys("0123456789", 0.5), ".": 0.25, ",": 0.25, " ": 0.25, "-": 0.333}


def _width(text: str) -> int:
    """Width in twips of a 3号 line (each character 0.25 pt closer, the grid's spacing): CJK characters one
    字, Latin ones their Times New Roman width."""
    return sum(CHAR if ord(ch) > 0x2E80 else round(LATIN_EM.get(ch, 0.5) * (CHAR + 5)) - 5 for ch in text)


def auto_widths(rows: list[list[str]], capacity: float = 36.0) -> tuple[int, ...]:
    """Relative column widths (in tenths of a character) for a table ``capacity`` characters wide. Each column
    first gets its floor: its header in two lines (three when long), never one character a line; its short
    values (up to 4 characters, a grade or a count) on one line; the cell margins. What is left goes to the
    columns in proportion to how much more their longest text wants (3 to 16 characters; longer text wraps)."""
    cols = max(len(r) for r in rows)

    def cell(r: list[str], c: int) -> str:
        return r[c] if c < len(r) else ""

    want = [max(3, min(16, max(len(cell(r, c)) for r in rows))) for c in range(cols)]

    def header(text: str) -> int:  # two characters a line at least, two lines (three for a long header)
        return min(len(text), max(2, -(-len(text) // (2 if len(text) <= 8 else 3))))

    floor = [min(want[c], max([header(cell(rows[0], c))] + [min(4, len(cell(r, c))) for r in rows[1:]])) + 0.6
             for c in range(cols)]
    left = capacity - sum(floor)
    more = [max(0.0, w - f) for w, f in zip(want, floor, strict=True)]
    if left <= 0 or not sum(more):
        return tuple(round(f * 10) for f in floor)
    return tuple(round((f + left * m / sum(more)) * 10) for f, m in zip(floor, more, strict=True))
