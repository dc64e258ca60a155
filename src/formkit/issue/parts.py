"""What every table of an issued Word form is made of: tables on the type area, label cells, value cells
with their content controls. Shared by the layout of the sections (:mod:`formkit.issue.layout`) and of the
blocks around them (:mod:`formkit.issue.blocks`)."""

from __future__ import annotations

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from formkit.forms.model import Field
from formkit.gongwen.profile import load_profile
from formkit.ooxml import controls, styling

TYPE_AREA_MM = round(load_profile().v("page.type_width") * 25.4 / 1440)  # GB/T 9704 type area: 156 mm
LABEL_FILL = "F2F2F2"


def keep(paragraph):
    """Kept on the page of what follows it: a heading, a help line or a caption never ends a page alone."""
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def new_table(doc, rows: int, widths_mm: list[float]):
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


def label(cell, text: str) -> None:
    """A label cell: bold, centred, shaded."""
    cell.paragraphs[0].text = text
    cell.paragraphs[0].style = "FK Label"
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    styling.shade(cell, LABEL_FILL)


def value(cell, field: Field, var: str) -> None:
    cell.paragraphs[0].style = "FK Cell"
    if cell.vertical_alignment is None:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    if field.prefill or field.suggest:
        cell.paragraphs[0].text = f"{{{{ {var}.{field.key} }}}}"
    else:
        control(cell, field, field.key, table_cell=False)


def control(cell, field: Field, tag: str, table_cell: bool) -> None:
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
