"""Edits a person makes in Word that python-docx has no API for (used to simulate returned forms): pressing
Tab at the end of a table, Enter inside a cell, deleting a paragraph."""

from __future__ import annotations

from copy import deepcopy

from docx.text.paragraph import Paragraph

from formkit.ooxml.proxy import element


def same_cell(a, b) -> bool:
    """Whether two python-docx cells are one merged cell (python-docx gives a merged cell once per column)."""
    return element(a) is element(b)


def add_row_like_last(table) -> None:
    """A new last row, a copy of the last one (Tab in the table's last cell)."""
    element(table).append(deepcopy(element(table.rows[-1])))


def remove_paragraph(paragraph) -> None:
    p = element(paragraph)
    p.getparent().remove(p)


def copy_paragraph(paragraph, after) -> Paragraph:
    """A copy of ``paragraph`` (its formatting and text) inserted after ``after``: Enter in a cell."""
    new = deepcopy(element(paragraph))
    element(after).addnext(new)
    return Paragraph(new, paragraph._parent)
