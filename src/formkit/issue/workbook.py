"""Lay a form definition out as a spreadsheet (``format: xlsx``) for one recipient, with openpyxl.

The layout is made to be read back from cell text alone, like the Word forms: the first sheet holds the
title, the instructions and every single-value field as a row ``label | value``; each table field has its
own sheet named after its section, whose first row holds exactly the column labels, then the prefilled
rows and empty rows (people add more at the end). Choices get a dropdown (data validation). The identity is
in the workbook's custom properties and in every sheet's footer (``FK-QL-2026-U001-Q2-V1``). Every text is
a typed string cell (:func:`formkit.outputs.append_row`): a unit named ``=1+1`` reads back as its name.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from formkit.forms.model import Field, Form
from formkit.ooxml.spreadsheet import finish
from formkit.outputs import append_row

TITLE_FONT = ("黑体", 16)
LABEL_FILL = "F2F2F2"
WIDTHS = {"text": 24, "longtext": 40, "date": 16, "amount": 16, "integer": 14, "choice": 14, "boolean": 10}


def render_workbook(form: Form, context: dict, properties: dict[str, str], title: str, created: str,
                    author: str = "") -> bytes:
    """The workbook's bytes. ``context`` is what :func:`formkit.issue.context.render_context` gives; the
    core properties name ``author`` (the issuing body), ``title`` and ``created`` (W3CDTF)."""
    book = Workbook()
    first = book.active
    first.title = form.sections[0].title[:31]
    label_fill = PatternFill("solid", fgColor=LABEL_FILL)
    bold = Font(name="宋体", bold=True)
    code = context["doc"]["code"]
    append_row(first, [f"{context['doc']['year']}年度{form.title}"])
    first["A1"].font = Font(name=TITLE_FONT[0], size=TITLE_FONT[1])
    for n, text in enumerate(form.instructions, start=1):
        append_row(first, [f"{n}．{text}"])
        first.cell(first.max_row, 1).alignment = Alignment(wrap_text=False)
    first.append([])
    values = context["v"]
    for section in form.sections:
        singles = [f for f in section.fields if not f.is_table]
        for f in singles:
            append_row(first, [f.label, values.get(f.key, "")])  # typed text: a value never runs as a formula
            row = first.max_row
            first.cell(row, 1).font = bold
            first.cell(row, 1).fill = label_fill
            if f.options:
                _dropdown(first, f, f"B{row}")
        for f in (f for f in section.fields if f.is_table):
            sheet = book.create_sheet(section.title[:31])
            _table_sheet(sheet, f, context, bold, label_fill)
    first.column_dimensions["A"].width = 22
    first.column_dimensions["B"].width = 40
    for sheet in book.worksheets:
        sheet.oddFooter.left.text = code
        sheet.oddFooter.left.size = 8
    for name, value in properties.items():
        book.custom_doc_props.append(StringProperty(name=name, value=value))
    buf = io.BytesIO()
    book.save(buf)
    when = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return finish(buf.getvalue(), author, title, when)


def _table_sheet(sheet, f: Field, context: dict, bold, fill) -> None:
    append_row(sheet, [c.label for c in f.columns])
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
    prefilled = context["t"].get(f.key) or [dict(r) for r in f.rows]
    for row in prefilled:
        append_row(sheet, [row.get(c.key, "") if c.prefill else None for c in f.columns])
    blank = f.blank_rows if (f.rows_from or f.rows) else max(f.blank_rows, 3)
    last = sheet.max_row + blank
    for i, col in enumerate(f.columns, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = max(WIDTHS.get(col.type, 14), min(40, 2 * len(col.label) + 2))
        if col.options:
            _dropdown(sheet, col, f"{letter}2:{letter}{max(last, 200)}")
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"


def _dropdown(sheet, f: Field, ref: str) -> None:
    options = ",".join(f.options)
    check = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True, showErrorMessage=False)
    check.add(ref)
    sheet.add_data_validation(check)
