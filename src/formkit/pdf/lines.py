"""The text of a rendered document as it stands on its pages: lines of characters with their places (mm
from the page's top-left corner) and sizes, and the cells of its ruled tables, in reading order. What the
GB/T 9704 layout checks (``gongwen.layout``) compare with the .docx."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

MM = 25.4 / 72
FOOTER_MM = 264  # below the type area (262 mm) and its last 版记 rule: the page numbers


@dataclass
class Char:
    text: str
    x0: float
    x1: float


@dataclass
class Line:
    page: int  # 1-based
    top: float
    size: float  # pt
    chars: list[Char] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0].x0


@dataclass
class Page:
    number: int
    lines: list[Line]  # outside ruled tables, top to bottom
    blocks: list[str]  # the page's text in reading order: each line outside tables, each table cell


def read_pages(path: str | Path) -> list[Page]:
    pages = []
    with pdfplumber.open(str(path)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]
            chars = [c for c in page.chars if c["top"] * MM < FOOTER_MM and c["text"].strip()
                     and not any(_inside(c, box) for box in boxes)]
            lines = _lines(chars, number)
            placed: list[tuple[float, list[str]]] = [(ln.top, [ln.text]) for ln in lines]
            for table in tables:
                cells = [cell or "" for row in table.extract() for cell in row]
                placed.append((table.bbox[1] * MM, cells))
            blocks = [text for _top, texts in sorted(placed, key=lambda item: item[0]) for text in texts]
            pages.append(Page(number, lines, blocks))
    return pages


def _inside(char: dict, box: tuple) -> bool:
    x0, top, x1, bottom = box
    mid_x, mid_y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return x0 <= mid_x <= x1 and top <= mid_y <= bottom


def _lines(chars: list[dict], page: int) -> list[Line]:
    """Characters grouped into lines: the same baseline within a third of their size."""
    lines: list[Line] = []
    for c in sorted(chars, key=lambda c: (round(c["bottom"], 0), c["x0"])):
        line = next((ln for ln in lines if abs(ln.top - c["top"] * MM) < c["size"] * MM / 3
                     and abs(ln.size - c["size"]) < 1), None)
        if line is None:
            line = Line(page, c["top"] * MM, c["size"])
            lines.append(line)
        line.chars.append(Char(c["text"], c["x0"] * MM, c["x1"] * MM))
    for line in lines:
        line.chars.sort(key=lambda ch: ch.x0)
    return sorted(lines, key=lambda ln: (ln.top, ln.x0))
