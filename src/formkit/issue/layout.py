"""Lay a form definition out as a Word template (``templates/<form>.docx``).

The layout is made to be read back from cell text alone, whatever an editor strips:
- every single-value field is a row of a two-column table: a cell holding exactly the field's label, and
  the value cell directly right of it (long text: the label spans the row, the value is the row below);
- every table field is a caption paragraph holding its label, then a table whose header row holds exactly
  the column labels, with prefilled rows, empty rows, and room to add more.
Content controls (dropdown, date, checkbox) help the filler; the cell text is what counts.

Values the issuer fills are Jinja tags (``{{ v.unit_name }}``, ``{%tr for r in t.counties %}``) rendered
per recipient by :mod:`formkit.issue.render`. The template stays an ordinary .docx that a secretariat can
restyle in Word.
"""

from __future__ import annotations

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt, RGBColor

from formkit import compat
from formkit.forms.catalogue import Catalogue
from formkit.forms.model import Field, Form
from formkit.forms.stamp import footer_text
from formkit.gongwen.profile import load_profile, set_page
from formkit.ooxml import controls, styling

TYPE_AREA_MM = round(load_profile().v("page.type_width") * 25.4 / 1440)  # GB/T 9704 type area: 156 mm
FOOTER_TWIPS = 1134  # 20 mm: the identity code's footer sits below where an official document's page number goes
LABEL_MM = 58
LABEL_FILL = "F2F2F2"
LONGTEXT_HEIGHT = 1700  # twips, about 3 cm
COLUMN_WEIGHTS = {"text": 3.0, "longtext": 4.0, "date": 2.6, "amount": 2.0, "integer": 2.0,
                  "choice": 2.0, "boolean": 1.8}
MIN_BLANK_ROWS = 3

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
    """A python-docx Document holding the form's template."""
    doc = Document()
    _setup(doc)
    doc.add_paragraph("{{ doc.year }}年度" + form.title, style="FK Title")
    if form.instructions:
        doc.add_paragraph("填表说明", style="FK Caption")
        for n, text in enumerate(form.instructions, start=1):
            doc.add_paragraph(f"{n}．{text}", style="FK Help")
    for section in form.sections:
        heading = doc.add_paragraph(section.title, style="FK Heading")
        heading.paragraph_format.keep_with_next = True
        _section_help(doc, section.fields, catalogue)
        group: list[Field] = []
        for field in section.fields:
            if field.is_table:
                _single_table(doc, group)
                group = []
                _table_field(doc, field)
            else:
                group.append(field)
        _single_table(doc, group)
    return doc


def _setup(doc) -> None:
    styling.drop_part(doc, "/thumbnail")
    styling.drop_part(doc, "/stylesWithEffects")  # Word 2010 only; 438 KB of python-docx's defaults
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
    footer = sec.footer.paragraphs[0]
    footer.style = styles["FK Footer"]
    footer.paragraph_format.tab_stops.add_tab_stop(Mm(TYPE_AREA_MM), WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(footer_text("{{ doc.code }}") + "\t第 ")
    styling.page_field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    styling.page_field(footer, "NUMPAGES")
    footer.add_run(" 页")
    compat.docx_core_properties()
    core = doc.core_properties
    core.author = core.last_modified_by = "formkit"
    core.language = "zh-CN"


def _section_help(doc, fields: tuple[Field, ...], catalogue: Catalogue) -> None:
    refs: list[str] = []
    for f in fields:
        if f.indicator and f.indicator not in refs:
            refs.append(f.indicator)
    for ref in refs:
        if "." in ref:
            doc.add_paragraph("评价指标：" + catalogue.indicator(ref).display, style="FK Help")
        else:
            area = catalogue.area(ref)
            doc.add_paragraph(f"评价内容（{area.name}）：{area.content}", style="FK Help")
        for exp in catalogue.explanations_for(ref):
            doc.add_paragraph(f"指标说明{exp.number}：{exp.text}{exp.note}", style="FK Help")
    for f in fields:
        if f.help and not f.is_table:
            doc.add_paragraph(f"填写提示（{f.label}）：{f.help}", style="FK Help")


def _single_table(doc, fields: list[Field]) -> None:
    if not fields:
        return
    rows = sum(2 if f.type == "longtext" else 1 for f in fields)
    table = _new_table(doc, rows, [LABEL_MM, TYPE_AREA_MM - LABEL_MM])
    r = 0
    for field in fields:
        row = table.rows[r]
        styling.row_cannot_split(row)
        if field.type == "longtext":
            label = row.cells[0].merge(row.cells[1])
            _label(label, field.label)
            label.paragraphs[0].paragraph_format.keep_with_next = True
            value_row = table.rows[r + 1]
            styling.row_cannot_split(value_row)
            styling.row_min_height(value_row, LONGTEXT_HEIGHT)
            value = value_row.cells[0].merge(value_row.cells[1])
            value.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
            _value(value, field, "v")
            r += 2
        else:
            _label(row.cells[0], field.label)
            _value(row.cells[1], field, "v")
            r += 1


def _table_field(doc, field: Field) -> None:
    doc.add_paragraph(field.label, style="FK Caption")
    if field.help:
        doc.add_paragraph("填写提示：" + field.help, style="FK Help")
    weights = [COLUMN_WEIGHTS[c.type] for c in field.columns]
    widths = [TYPE_AREA_MM * w / sum(weights) for w in weights]
    blank = field.blank_rows if (field.rows_from or field.rows) else max(field.blank_rows, MIN_BLANK_ROWS)
    loop = 3 if field.rows_from else 0
    table = _new_table(doc, 1 + loop + len(field.rows) + blank, widths)
    header = table.rows[0]
    styling.row_cannot_split(header, header=True)
    for cell, col in zip(header.cells, field.columns, strict=True):
        _label(cell, col.label)
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


def _row(row, field: Field, var: str | None, fixed: dict | None = None) -> None:
    styling.row_cannot_split(row)
    for cell, col in zip(row.cells, field.columns, strict=True):
        cell.paragraphs[0].style = "FK Cell"
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        if (col.prefill or col.suggest) and var:
            cell.paragraphs[0].text = f"{{{{ {var}.{col.key} }}}}"
        elif col.prefill and fixed is not None and col.key in fixed:
            cell.paragraphs[0].text = str(fixed[col.key])
        else:
            _control(cell, col, f"{field.key}.{col.key}", table_cell=True)


def _new_table(doc, rows: int, widths_mm: list[float]):
    if styling.ends_with_table(doc):
        doc.add_paragraph(style="FK Help")  # adjacent tables would merge into one in Word
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    styling.fixed_layout(table)
    for i, width in enumerate(widths_mm):
        table.columns[i].width = Mm(width)
        for cell in table.columns[i].cells:
            cell.width = Mm(width)
    return table


def _label(cell, text: str) -> None:
    cell.paragraphs[0].text = text
    cell.paragraphs[0].style = "FK Label"
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    styling.shade(cell, LABEL_FILL)


def _value(cell, field: Field, var: str) -> None:
    cell.paragraphs[0].style = "FK Cell"
    if cell.vertical_alignment is None:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    if field.prefill or field.suggest:
        cell.paragraphs[0].text = f"{{{{ {var}.{field.key} }}}}"
    else:
        _control(cell, field, field.key, table_cell=False)


def _control(cell, field: Field, tag: str, table_cell: bool) -> None:
    """The content control for ``field`` in an empty cell, if its type has one."""
    paragraph = cell.paragraphs[0]
    alias, tag = field.label, "fk:" + tag
    if field.type == "boolean" and table_cell:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        controls.checkbox(paragraph, alias, tag)
    elif field.type in ("choice", "boolean"):
        controls.dropdown(paragraph, alias, tag, field.options, field.placeholder)
    elif field.type == "date":
        controls.date(paragraph, alias, tag, field.placeholder)
