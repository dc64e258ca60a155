"""What a person sees in a .docx, through formkit's own OOXML layer: cells beside labels, tables."""

from __future__ import annotations

from pathlib import Path

from formkit.ooxml.grid import tables
from formkit.ooxml.package import Package
from formkit.ooxml.runs import element_text


class DocView:
    def __init__(self, path: Path | str | bytes):
        self.package = Package(path)
        self.main = self.package.main_part()
        self.body = self.package.xml(self.main)
        self.tables = tables(self.body)
        self.properties = self.package.custom_properties()

    def label_cells(self, label: str) -> list:
        found = {id(c): c for t in self.tables for row in t.rows for c in row if c.text == label}
        return list(found.values())  # a merged cell fills several grid positions but is one cell

    def value(self, label: str) -> str:
        """The text of the cell right of the cell holding exactly ``label`` (or below it, for long text)."""
        for t in self.tables:
            for r, row in enumerate(t.rows):
                for c, cell in enumerate(row):
                    if cell.text != label:
                        continue
                    right = [x for x in row[c + 1:] if x is not cell]
                    if right:
                        return right[0].text
                    return t.rows[r + 1][c].text
        raise KeyError(label)

    def table(self, labels: list[str]) -> list[list[str]]:
        """Rows below the header row that holds exactly ``labels``."""
        for t in self.tables:
            if t.rows and [c.text for c in t.rows[0]] == labels:
                return [[c.text for c in row] for row in t.rows[1:]]
        raise KeyError(labels)

    def footer_text(self) -> str:
        return " ".join(element_text(self.package.xml(p)) for p in self.package.parts_of(self.main, "footer"))

    def text(self) -> str:
        return element_text(self.body)
