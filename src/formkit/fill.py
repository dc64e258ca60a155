"""Fill an issued form the way a person would: type into the cell beside (or below) each label.

Used by the tests and, later, by the demo to simulate returned documents. It edits the document with
python-docx like an editor would: typing into a cell, picking a dropdown item, ticking a checkbox, adding
table rows. It knows nothing about field keys beyond the labels the form definition gives it.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from formkit.forms.model import Form
from formkit.ooxml.controls import controls_in, set_control_text
from formkit.ooxml.editing import add_row_like_last, copy_paragraph, remove_paragraph, same_cell


class FillError(LookupError):
    pass


def fill_form(source: str | Path, target: str | Path, form: Form, values: dict) -> None:
    """Write ``values`` (field key → text, or for tables a list of row dicts keyed by column key)."""
    doc = Document(str(source))
    grids = [[row.cells for row in table.rows] for table in doc.tables]  # python-docx cell access is slow
    labels: dict[str, tuple[int, int, int]] = {}
    for t, rows in enumerate(grids):
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells):
                labels.setdefault(cell.text.strip(), (t, r, c))
    for key, value in values.items():
        field = form.field(key)
        if field.is_table:
            _fill_table(doc, [c.label for c in field.columns], [c.key for c in field.columns], value)
        else:
            type_into(_value_cell(grids, labels, field.label, field.type == "longtext"), value)
    doc.save(str(target))


def _value_cell(grids, labels, label: str, below: bool):
    if label not in labels:
        raise FillError(f"label not found: {label}")
    t, r, c = labels[label]
    cells = grids[t][r]
    if below:
        return grids[t][r + 1][c]
    right = [x for x in cells[c + 1:] if not same_cell(x, cells[c])]
    if not right:
        raise FillError(f"no cell beside label: {label}")
    return right[0]


def _fill_table(doc, labels: list[str], keys: list[str], rows: list[dict]) -> None:
    # the header row holds every column label (and maybe columns formkit computes, such as 完成率)
    table = next((t for t in doc.tables if set(labels) <= {c.text.strip() for c in t.rows[0].cells}), None)
    if table is None:
        raise FillError(f"table not found: {labels}")
    header = [c.text.strip() for c in table.rows[0].cells]
    columns = {key: header.index(label) for key, label in zip(keys, labels, strict=True)}
    for i, values in enumerate(rows):
        if i + 1 >= len(table.rows):  # no empty row left: add one, as a person presses Tab at the end
            add_row_like_last(table)
            for cell in table.rows[-1].cells:
                type_into(cell, "")
        cells = table.rows[i + 1].cells
        for key, col in columns.items():
            if key in values:
                type_into(cells[col], values[key])


def type_into(cell, text) -> None:
    """Replace what a cell shows by ``text``; a control in the cell keeps its kind and takes the text."""
    text = "" if text is None else str(text)
    sdts = controls_in(cell)
    if sdts:
        set_control_text(sdts[0], text)
        return
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:
        remove_paragraph(extra)
    lines = text.split("\n")
    first = paragraphs[0]
    first.text = lines[0]
    anchor = first
    for line in lines[1:]:  # Enter in a cell: a new paragraph with the same formatting
        anchor = copy_paragraph(first, after=anchor)
        anchor.text = line


def fill_workbook(source: str | Path, target: str | Path, form: Form, values: dict) -> None:
    """Type ``values`` into an issued spreadsheet form as a person does in Excel or WPS: beside each label on
    the first sheet, under the column labels of each table's sheet (adding rows at the end). Figures are
    entered as numbers and dates as dates, as Excel turns them into when typed."""
    book = load_workbook(str(source))
    first = book.worksheets[0]
    labels = {str(row[0].value).strip(): row[0].row for row in first.iter_rows(min_col=1, max_col=1) if row[0].value}
    for key, value in values.items():
        field = form.field(key)
        if field.is_table:
            columns = [c.label for c in field.columns]
            sheet = next((s for s in book.worksheets
                          if [str(c.value or "").strip() for c in s[1]][: len(columns)] == columns), None)
            if sheet is None:
                raise FillError(f"table sheet not found: {field.label}")
            for i, row in enumerate(value):
                for j, col in enumerate(field.columns, start=1):
                    if col.key in row:
                        sheet.cell(i + 2, j).value = _as_entered(row[col.key])
        else:
            if field.label not in labels:
                raise FillError(f"label not found: {field.label}")
            first.cell(labels[field.label], 2).value = _as_entered(value)
    book.save(str(target))


def _as_entered(text):
    """What a spreadsheet keeps when a person types ``text``: a number, a date, or the text."""
    if not isinstance(text, str) or not text:
        return text or None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    date = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if date:
        return datetime(int(date.group(1)), int(date.group(2)), int(date.group(3)))
    return text
