"""What a reader sees in a returned document, whatever its format: tables as grids of cells, the text
around them, the document's properties. Built by ``ooxml`` (for .docx) and ``pdf`` (for PDF); nothing here
knows a file format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Cell:
    text: str
    row: int  # 0-based within its table
    col: int  # 0-based grid column where the cell starts
    span: int = 1
    placeholder: bool = False  # a content control still showing its placeholder
    checked: bool | None = None  # state of a checkbox control or legacy check box in the cell
    tags: tuple[str, ...] = ()  # content-control tags in the cell (``fk:key``), when an editor kept them


@dataclass
class Table:
    number: int  # 1-based, in document order: what a clerk calls 表N
    rows: list[list[Cell]]  # a merged cell fills every grid position it covers (the same object)
    caption: str = ""  # text of the nearest paragraph before the table
    page: int | None = None  # PDF: the page where the table starts
    row_pages: list[int] = field(default_factory=list)  # PDF: the page of every row
    # where a grid leaves out empty rows or columns (a spreadsheet's far cells): the 1-based number a person
    # sees for every row and column of ``rows``; empty when they are the position plus one
    row_numbers: list[int] = field(default_factory=list)
    col_numbers: list[int] = field(default_factory=list)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]


@dataclass
class SourceDocument:
    format: str  # docx, pdf
    tables: list[Table]
    text_source: str | Callable[[], str]  # all visible text of the body (computed when first asked for)
    footer_text: str = ""
    properties: dict[str, str] = field(default_factory=dict)  # custom document properties
    producer: str = ""  # the application that last saved it
    tracked_changes: bool = False
    macros: bool = False  # a VBA project is inside (never run; noted)
    pages: int | None = None

    @property
    def text(self) -> str:
        """All visible text, for identification by content; only computed when needed."""
        if callable(self.text_source):
            self.text_source = self.text_source()
        return self.text_source
