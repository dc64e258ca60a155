"""Lay a form definition out as a Word template (``templates/<form>.docx``).

The layout is made to be read back from cell text alone, whatever an editor strips:
- every single-value field is a row of a two-column table: a cell holding exactly the field's label, and
  the value cell directly right of it (long text: the label spans the row, the value is the row below);
- every table field is a table whose header row holds exactly the column labels, with prefilled rows, empty
  rows, and room to add more;
- the tables are those of :func:`formkit.forms.tables.plan`, each under its caption ``表N　…`` (which findings
  cite), a section's heading and help kept on the page of its first table; around them the title broken
  between words, the filer line and the signature block (:mod:`formkit.issue.blocks`).
Content controls (dropdown, date, checkbox) help the filler, blank until used so that nothing prints on a
form filled by hand; the cell text is what counts. A table's 合计 row and computed columns (完成率) are
printed, shaded and blank: formkit computes them when it reads the form (:mod:`formkit.forms.computed`).

Values the issuer fills are Jinja tags (``{{ v.unit_name }}``, ``{%tr for r in t.counties %}``) rendered
per recipient by :mod:`formkit.issue.render`. The template stays an ordinary .docx that a secretariat can
restyle in Word.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt, RGBColor

from formkit.forms.catalogue import Catalogue, full_width
from formkit.forms.model import Field, Form
from formkit.forms.stamp import footer_text
from formkit.forms.tables import FILER, SIGNATURE, TABLE, PlannedTable, plan
from formkit.gongwen.profile import set_page
from formkit.issue import blocks, parts
from formkit.issue.parts import LABEL_FILL, TYPE_AREA_MM, keep, new_table
from formkit.issue.qr import PLACEHOLDER, qr_png
from formkit.issue.qr import SIZE_MM as QR_MM
from formkit.ooxml import props, styling

FOOTER_TWIPS = 1134  # 20 mm: the identity code's footer sits below where an official document's page number goes
LABEL_MM = 58
COMPUTED_FILL = LABEL_FILL  # cells formkit computes when it reads the form (合计, 完成率): shaded, left blank
COMPUTED_WEIGHT = 1.6
NUMBER_WEIGHT = 1.5  # a 序号 column (``prefill: number``): its header on one line
LONGTEXT_HEIGHT = 1700  # twips, about 3 cm
COLUMN_WEIGHTS = {"text": 3.0, "longtext": 6.0, "date": 2.6, "amount": 2.0, "integer": 2.0,
                  "choice": 2.0, "boolean": 1.8}
MIN_BLANK_ROWS = 3
KEPT_ROWS = 12  # a table field's table of at most this many rows (as laid out) is kept on one page
TEMPLATE_TIME = datetime(2021, 1, 1, tzinfo=timezone.utc)  # the templates' creation time: the 办法's year

# style name → (east Asian font, size in pt, bold, alignment)
STYLES = {
    "FK Title": ("方正小标宋简体", 22, False, WD_ALIGN_PARAGRAPH.CENTER),
    "FK Heading": ("黑体", 16, False, WD_ALIGN_PARAGRAPH.LEFT),
    "FK Help": ("楷体_GB2312", 10.5, False, WD_ALIGN_PARAGRAPH.JUSTIFY),
    "FK Caption": ("黑体", 12, False, WD_ALIGN_PARAGRAPH.LEFT),
    "FK Label": ("仿宋_GB2312", 12, True, WD_ALIGN_PARAGRAPH.CENTER),
    "FK Cell": ("仿宋_GB2312", 12, False, WD_ALIGN_PARAGRAPH.LEFT),
    "FK Footer": ("宋体", 9, False, WD_ALIGN_PARAGRAPH.LEFT),
}


def build_template(form: Form, catalogue: Catalogue):
    """A python-docx Document holding the form's template: the tables of :func:`formkit.forms.tables.plan`,
    each under its caption, each section's heading and help kept with what follows it."""
    doc = Document()
    # the template's own properties (an issued form gets its recipient's, :mod:`formkit.issue.render`); fixed,
    # so a rebuild with unchanged definitions changes no byte
    props.finish_document(doc, "formkit", form.title, TEMPLATE_TIME)
    _setup(doc)
    tables = plan(form)
    blocks.title(doc, form.title)
    for table in tables:
        if table.kind == FILER:
            blocks.filer_line(doc, form.filer, table.fields)
    if form.instructions:
        keep(doc.add_paragraph("填表说明", style="FK Caption"))
        for n, text in enumerate(form.instructions, start=1):
            doc.add_paragraph(f"{n}．{text}", style="FK Help")
    section = None
    for table in tables:
        if table.kind in (FILER, SIGNATURE):
            continue
        if table.section is not section:
            section = table.section
            keep(doc.add_paragraph(section.title, style="FK Heading"))
            _section_help(doc, section.fields, catalogue)
        if table.kind == TABLE:
            _table_field(doc, table)
        else:
            _single_table(doc, table)
    for table in tables:
        if table.kind == SIGNATURE:
            blocks.signature(doc, table.section.signature, table.fields)
    return doc


def _setup(doc) -> None:
    sec = doc.sections[0]
    set_page(sec, footer=FOOTER_TWIPS)
    styles = doc.styles
    styling.set_document_language(doc)
    normal = styles["Normal"]
    normal.font.size = Pt(12)
    styling.set_fonts(normal, "仿宋_GB2312")
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    for name, (font, size, bold, align) in STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.font.bold = bold
        style.paragraph_format.alignment = align
        styling.set_fonts(style, font)
    styles["FK Title"].paragraph_format.space_after = Pt(12)
    styles["FK Heading"].paragraph_format.space_before = Pt(12)
    styles["FK Heading"].paragraph_format.space_after = Pt(6)
    styles["FK Caption"].paragraph_format.space_before = Pt(8)
    styles["FK Caption"].paragraph_format.space_after = Pt(4)
    styles["FK Caption"].paragraph_format.keep_with_next = True
    styles["FK Help"].font.color.rgb = RGBColor(0x40, 0x40, 0x40)
    styles["FK Help"].paragraph_format.space_after = Pt(3)
    styling.add_font_table_entries(doc)
    styling.placeholder_style(doc)  # the controls' placeholders (请选择) are in it
    footer = sec.footer.paragraphs[0]
    footer.style = styles["FK Footer"]
    footer.paragraph_format.tab_stops.add_tab_stop(Mm(TYPE_AREA_MM), WD_TAB_ALIGNMENT.RIGHT)
    # the identity code as a QR code too (a scan is identified by it): a placeholder each document replaces
    footer.add_run().add_picture(io.BytesIO(qr_png(PLACEHOLDER)), width=Mm(QR_MM), height=Mm(QR_MM))
    footer.add_run(" " + footer_text("{{ doc.code }}") + "\t第 ")
    styling.page_field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    styling.page_field(footer, "NUMPAGES")
    footer.add_run(" 页")


def _section_help(doc, fields: tuple[Field, ...], catalogue: Catalogue) -> None:
    refs: list[str] = []
    for f in fields:
        if f.indicator and f.indicator not in refs:
            refs.append(f.indicator)
    for ref in refs:
        if "." in ref:
            _help(doc, "评价指标：" + catalogue.indicator(ref).display)
        else:
            area = catalogue.area(ref)
            _help(doc, f"评价内容（{area.name}）：{area.content}")
        for exp in catalogue.explanations_for(ref):
            _help(doc, f"指标说明{exp.number}：{exp.text}{exp.note}")
    for f in fields:
        if f.help and not f.is_table:
            _help(doc, f"填写提示（{f.label}）：{f.help}")


def _help(doc, text: str) -> None:
    """A help line, in full-width punctuation (the regulation's own text keeps half-width in the catalogue)."""
    doc.add_paragraph(full_width(text), style="FK Help")


def _caption(doc, table: PlannedTable) -> None:
    """``表3　…`` directly above the table (a copy of a form laid out without numbers: a table field's label),
    kept with the table's first rows, and the line before it (the last help line, or the heading) kept with
    it: only those, as a chain longer than a page is not kept at all by LibreOffice."""
    if not styling.ends_with_table(doc):
        keep(doc.paragraphs[-1])
    text = table.caption or (table.name if table.kind == TABLE else None)
    if text:
        keep(doc.add_paragraph(text, style="FK Caption"))


def _single_table(doc, planned: PlannedTable) -> None:
    fields = planned.fields
    _caption(doc, planned)
    rows = sum(2 if f.type == "longtext" else 1 for f in fields)
    table = new_table(doc, rows, [LABEL_MM, TYPE_AREA_MM - LABEL_MM])
    r = 0
    for field in fields:
        row = table.rows[r]
        styling.row_cannot_split(row)
        if field.type == "longtext":
            merged = row.cells[0].merge(row.cells[1])
            parts.label(merged, field.label)
            merged.paragraphs[0].paragraph_format.keep_with_next = True
            value_row = table.rows[r + 1]
            styling.row_cannot_split(value_row)
            styling.row_min_height(value_row, LONGTEXT_HEIGHT)
            below = value_row.cells[0].merge(value_row.cells[1])
            below.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
            parts.value(below, field, "v")
            r += 2
        else:
            parts.label(row.cells[0], field.label)
            parts.value(row.cells[1], field, "v")
            r += 1


def _table_field(doc, planned: PlannedTable) -> None:
    field = planned.fields[0]
    notes = [field.help] if field.help else []
    if field.total:
        notes.append(f"“{field.total}”行无需填写，报送后自动汇总。")
    notes += [f"“{c.label}”列无需填写，报送后自动计算。" for c in field.computed]
    if notes:
        _help(doc, "填写提示：" + "".join(notes))
    _caption(doc, planned)
    weights = [NUMBER_WEIGHT if c.prefill == "number" else COLUMN_WEIGHTS[c.type] for c in field.columns]
    weights += [COMPUTED_WEIGHT] * len(field.computed)
    widths = [TYPE_AREA_MM * w / sum(weights) for w in weights]
    blank = field.blank_rows if (field.rows_from or field.rows) else max(field.blank_rows, MIN_BLANK_ROWS)
    loop = 3 if field.rows_from else 0
    table = new_table(doc, 1 + loop + len(field.rows) + blank + bool(field.total), widths)
    header = table.rows[0]
    styling.row_cannot_split(header, header=True)
    for cell, text in zip(header.cells, [c.label for c in field.columns] + [c.label for c in field.computed],
                          strict=True):
        parts.label(cell, text)
        cell.paragraphs[0].paragraph_format.keep_with_next = True  # the header row stays with the first row
    r = 1
    if field.rows_from:
        table.rows[r].cells[0].paragraphs[0].text = f"{{%tr for r in t.{field.key} %}}"
        _row(table.rows[r + 1], field, "r")
        table.rows[r + 2].cells[0].paragraphs[0].text = "{%tr endfor %}"
        r += 3
    for fixed in field.rows:
        _row(table.rows[r], field, None, fixed)
        r += 1
    for _ in range(blank):
        _row(table.rows[r], field, None, {})
        r += 1
    if field.total:
        _total_row(table.rows[r], field)
    if len(table.rows) <= KEPT_ROWS and (blank or field.total or not field.rows_from):
        for row in table.rows[1:-1]:  # a small table is not split (its last row may be a loop's, repeated)
            for cell in row.cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True


def _row(row, field: Field, var: str | None, fixed: dict | None = None) -> None:
    styling.row_cannot_split(row)
    for cell, col in zip(row.cells, field.columns, strict=False):
        cell.paragraphs[0].style = "FK Cell"
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        if (col.prefill or col.suggest) and var:
            cell.paragraphs[0].text = f"{{{{ {var}.{col.key} }}}}"
        elif col.prefill and fixed is not None and col.key in fixed:
            cell.paragraphs[0].text = str(fixed[col.key])
        else:
            parts.control(cell, col, f"{field.key}.{col.key}", table_cell=True)
    for cell in row.cells[len(field.columns):]:  # computed columns: shaded, left blank
        cell.paragraphs[0].style = "FK Cell"
        styling.shade(cell, COMPUTED_FILL)


def _total_row(row, field: Field) -> None:
    """The 合计 row: its label in the first column, the rest shaded and blank (formkit sums when it reads)."""
    styling.row_cannot_split(row)
    parts.label(row.cells[0], field.total)
    for cell in row.cells[1:]:
        cell.paragraphs[0].style = "FK Cell"
        styling.shade(cell, COMPUTED_FILL)


