"""The tables of a straightened page, found from their ruling lines, as grids of cell boxes: the grid a Word
table has (a row of grid positions; a merged cell fills every position it covers), so the reader's locator
finds labels and values on a scan as it does in a .docx or a text PDF.

Ruling lines are long runs of ink (a morphological opening with a kernel longer than any character); the
cells are the regions they enclose. A table's grid columns are every left or right edge of its cells (as
Word's ``w:tblGrid`` is), its grid rows every top or bottom edge."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formkit.scan.straighten import ink

LINE_PX = 60  # a ruling line is longer than this (a character at 12 pt is about 33 px at 200 dpi)
ROW_LINE_PX = 25  # a vertical line between cells, as high as the lowest row (a stroke of text touches no line)
MIN_CELL_PX = 18  # a region narrower or lower than this is a gap between lines, not a cell
SNAP_PX = 10  # edges closer than this are one grid line
SIDE_PX = 12  # the paper a short line between cells has on each side (a cell's padding is about 15 px)


@dataclass
class CellBox:
    x0: int
    y0: int
    x1: int
    y1: int
    row: int = 0  # grid row and column where the cell starts
    col: int = 0
    rows: int = 1  # grid rows and columns it covers
    cols: int = 1


@dataclass
class TableBox:
    x0: int
    y0: int
    x1: int
    y1: int
    cells: list[CellBox]
    n_rows: int = 0
    n_cols: int = 0

    def grid(self) -> list[list[CellBox | None]]:
        """Row by row, the cell at every grid position (the same box where a cell is merged)."""
        out: list[list[CellBox | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rows):
                for c in range(cell.col, cell.col + cell.cols):
                    out[r][c] = cell
        return out


def ruling(binary: np.ndarray, rows: int = ROW_LINE_PX, close: bool = True) -> np.ndarray:
    """The page's ruling lines (horizontal, and vertical ones at least ``rows`` high) as a mask; ``close``:
    small gaps closed."""
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (LINE_PX, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, rows)))
    if rows < LINE_PX:
        vertical = _between_cells(binary, vertical)
    if close:
        horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
        vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    return cv2.bitwise_or(horizontal, vertical)


def _between_cells(binary: np.ndarray, vertical: np.ndarray) -> np.ndarray:
    """The short vertical lines that stand between cells: paper on both sides (a cell's padding), where a
    character's stroke has the rest of its character beside it."""
    count, labels, stats, _c = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    keep = np.ones(count, dtype=bool)
    keep[0] = False
    for index in range(1, count):
        x, y, w, h, _area = stats[index]
        if h >= LINE_PX:
            continue
        left = binary[y + 3:y + h - 3, max(0, x - SIDE_PX):max(0, x - 3)]
        right = binary[y + 3:y + h - 3, x + w + 3:x + w + SIDE_PX]
        keep[index] = all(side.size and np.count_nonzero(side) < 0.08 * side.size for side in (left, right))
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def without_lines(image: np.ndarray) -> np.ndarray:
    """The page with its ruling lines painted out (paper), so that text touching a line reads whole: only
    lines longer than any stroke of a character (a short vertical line stays: text keeps off it)."""
    lines = cv2.dilate(ruling(ink(image), rows=LINE_PX, close=False), np.ones((3, 3), np.uint8))
    out = image.copy()
    out[lines > 0] = 255
    return out


def tables(image: np.ndarray) -> list[TableBox]:
    """The page's ruled tables, top to bottom, each with its cells placed on its grid."""
    lines = ruling(ink(image))
    count, labels, stats, _c = cv2.connectedComponentsWithStats(lines, connectivity=8)
    found = []
    for index in range(1, count):
        x, y, w, h, _area = stats[index]
        if w < 4 * LINE_PX or h < MIN_CELL_PX + 4:
            continue  # a lone rule (a heading's underline) or a stray mark: no table
        frame = (labels[y:y + h, x:x + w] == index).astype(np.uint8)
        cells = _cells(frame, x, y)
        if cells:
            table = TableBox(x, y, x + w, y + h, cells)
            _place(table)
            found.append(table)
    return sorted(found, key=lambda t: (t.y0, t.x0))


def _cells(frame: np.ndarray, x: int, y: int) -> list[CellBox]:
    """The regions one table's lines enclose (what touches the frame's edge is outside it)."""
    inside = (1 - frame).astype(np.uint8)
    count, _labels, stats, _c = cv2.connectedComponentsWithStats(inside, connectivity=4)
    height, width = frame.shape
    cells = []
    for index in range(1, count):
        cx, cy, cw, ch, area = stats[index]
        if cx == 0 or cy == 0 or cx + cw >= width or cy + ch >= height:
            continue
        if cw < MIN_CELL_PX or ch < MIN_CELL_PX or area < 0.6 * cw * ch:
            continue
        cells.append(CellBox(x + cx, y + cy, x + cx + cw, y + cy + ch))
    return cells


def _place(table: TableBox) -> None:
    """Each cell's grid row and column (and how many it covers), from the edges of all the table's cells."""
    xs = _snap([c.x0 for c in table.cells] + [c.x1 for c in table.cells])
    ys = _snap([c.y0 for c in table.cells] + [c.y1 for c in table.cells])
    for cell in table.cells:
        cell.col, right = _index(xs, cell.x0), _index(xs, cell.x1)
        cell.row, bottom = _index(ys, cell.y0), _index(ys, cell.y1)
        cell.cols, cell.rows = max(1, right - cell.col), max(1, bottom - cell.row)
    table.n_cols = max(c.col + c.cols for c in table.cells)
    table.n_rows = max(c.row + c.rows for c in table.cells)


def _snap(edges: list[int]) -> list[float]:
    """Edges closer than :data:`SNAP_PX` to each other as one grid line (their mean)."""
    groups: list[list[int]] = []
    for edge in sorted(edges):
        if groups and edge - groups[-1][-1] <= SNAP_PX:
            groups[-1].append(edge)
        else:
            groups.append([edge])
    return [sum(g) / len(g) for g in groups]


def _index(lines: list[float], edge: int) -> int:
    return min(range(len(lines)), key=lambda i: abs(lines[i] - edge))
