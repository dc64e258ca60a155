"""What a clerk expects around a form's tables: the title broken between words, the filer line under it
(填报单位（盖章）with the recipient's name, and the date filed) and the signature block at the end (the
responsible leader's signature, the seal where the form asks for one, who filled it in and the phone).

Both blocks are ruled tables of label and value cells like the rest of the form, so that the fields in them
read back from the .docx and from a PDF alike; a clerk calls them 表头 and 表尾 (they carry no 表N)."""

from __future__ import annotations

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

from formkit.forms.model import Field, Filer, Signature
from formkit.gongwen.title import title_lines
from formkit.issue.parts import TYPE_AREA_MM, keep, label, new_table, value
from formkit.ooxml import styling

YEAR_TAG, SAMPLE_YEAR = "{{ doc.year }}", "2026"  # every year is four digits: its width is the same
FILER_MM = (38, 62, 24, 32)  # 填报单位（盖章） | name | 填报日期 | date
SIGNATURE_MM = (48, 30, 38, 40)  # label | value | label | value; the signer's label over the first
CHAR_MM, CELL_MARGINS_MM = 12 * 25.4 / 72, 3.8  # a character of the 小四 labels; a cell's left and right margins
SIGNING_HEIGHT = 1400  # twips, about 2.5 cm: room for a signature and a seal


def title(doc, form_title: str) -> None:
    """``2026年度…`` in lines broken between words, as even as the words allow (GB/T 9704 7.3.1), so that no
    editor breaks a word (评 / 价表) where the line happens to end."""
    lines = title_lines(f"{SAMPLE_YEAR}年度{form_title}")
    paragraph = doc.add_paragraph(style="FK Title")
    for n, line in enumerate(lines):
        if n:
            paragraph.add_run().add_break()
        paragraph.add_run(line.replace(SAMPLE_YEAR, YEAR_TAG, 1) if n == 0 else line)
    keep(paragraph)


def filer_line(doc, filer: Filer, fields: tuple[Field, ...]) -> None:
    """One row under the title: the filer's label (盖章: the seal goes over the name), the recipient's name,
    then the date field."""
    widths = FILER_MM if fields else (FILER_MM[0], TYPE_AREA_MM - FILER_MM[0])
    table = new_table(doc, 1, list(widths))
    row = table.rows[0]
    styling.row_cannot_split(row)
    label(row.cells[0], filer.label)
    row.cells[1].paragraphs[0].text = "{{ doc.filer }}"
    row.cells[1].paragraphs[0].style = "FK Cell"
    row.cells[1].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for field in fields[:1]:
        label(row.cells[2], field.label)
        value(row.cells[3], field, "v")


def signature(doc, signed: Signature, fields: tuple[Field, ...]) -> None:
    """The block ending the form: a row for the signer's signature, one for the seal where the form asks for
    one (both tall enough to sign and seal in), then the fields two to a row."""
    spaces = [signed.signer] + ([signed.seal] if signed.seal else [])
    pairs = [fields[i:i + 2] for i in range(0, len(fields), 2)]
    table = new_table(doc, len(spaces) + len(pairs), list(SIGNATURE_MM))
    for row, text in zip(table.rows, spaces, strict=False):
        styling.row_cannot_split(row)
        styling.row_min_height(row, SIGNING_HEIGHT)
        label(row.cells[0], fitted(text, SIGNATURE_MM[0]))
        row.cells[1].merge(row.cells[3])
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True  # the block is not split from its fields
    for row, pair in zip(table.rows[len(spaces):], pairs, strict=True):
        styling.row_cannot_split(row)
        if len(pair) == 1:
            row.cells[1].merge(row.cells[3])
        for n, field in enumerate(pair):
            label(row.cells[2 * n], field.label)
            value(row.cells[2 * n + 1], field, "v")


def fitted(text: str, width_mm: float) -> str:
    """A label too long for its cell broken before its bracket (县委或县政府负责同志 / （签字）), never inside a
    word as the cell would break it."""
    fits = int((width_mm - CELL_MARGINS_MM) / CHAR_MM)
    at = text.rfind("（")
    return f"{text[:at]}\n{text[at:]}" if len(text) > fits and 0 < at <= fits else text
