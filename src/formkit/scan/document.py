"""A scan's pages → the :class:`~formkit.document.SourceDocument` every reader hands to the locator: its tables
as grids of cells (the grid of ruling lines, each cell's text recognised), joined across pages as a text PDF's
are, with what only a scan has kept beside it — each cell's confidence, box and page, the QR codes, the seals.

Which way up a page is: the QR code says (its top edge reads left to right); on a page without one, the
OCR's direction classifier says whether a few of its lines of text are upside down."""

from __future__ import annotations

from dataclasses import dataclass, field

from formkit.document import Cell, SourceDocument, Table
from formkit.limits import DEFAULT, Limits
from formkit.scan import ocr
from formkit.scan.grid import TableBox, tables, without_lines
from formkit.scan.marks import Code, Seal, qr_code, seals, upside_down
from formkit.scan.pages import DPI, page_images
from formkit.scan.straighten import Straightened, straighten, turned

# a check box alone in a cell, as the OCR reads its glyph: ☒ (a box with a cross) as 区, ☐ as 口
BOXES = {"区": ("☒", True), "☒": ("☒", True), "☑": ("☑", True), "口": ("☐", False), "☐": ("☐", False),
         "□": ("☐", False)}
TOP_SHARE = 0.2  # a table starting this high on a page may continue the last table of the page before
SAMPLE_LINES = 12  # lines of text that tell which way up a page without a QR code is


@dataclass
class ScannedCell:
    page: int
    box: tuple[int, int, int, int]
    text: ocr.CellText


@dataclass
class ScannedPage:
    number: int
    page: Straightened
    tables: list[TableBox]
    code: Code | None
    seals: list[Seal]


@dataclass
class Scan:
    """A scan read into cells: the document, and for each cell (by its table number, 1-based row and column,
    as a finding's location names it) what was recognised there."""

    doc: SourceDocument
    pages: list[ScannedPage]
    cells: dict[tuple[int, int, int], ScannedCell] = field(default_factory=dict)
    boxes: dict[int, tuple[int, tuple[int, int, int, int]]] = field(default_factory=dict)  # id(cell) → (page, box)

    @property
    def codes(self) -> list[str]:
        return [p.code.text for p in self.pages if p.code]

    @property
    def seals(self) -> list[Seal]:
        return [s for p in self.pages for s in p.seals]

    def summary(self) -> dict:
        """What the record keeps of how the scan was read (``source.scan``)."""
        return {"dpi": DPI, "pages": [{"page": p.number, **p.page.notes, "qr": p.code is not None,
                                       "tables": len(p.tables)} for p in self.pages],
                "seals": [s.as_dict() for s in self.seals]}


def read_scan(data: bytes, limits: Limits = DEFAULT) -> Scan:
    """Every page straightened, its tables found and their cells recognised; the tables joined."""
    pages: list[ScannedPage] = []
    texts: list[list[list[ocr.CellText]]] = []
    for number, image in enumerate(page_images(data, limits), start=1):
        page = straighten(image)
        code = qr_code(page.image)
        if code is not None and upside_down(code):
            page = turned(page, 180)
            code = qr_code(page.image)
        found = tables(page.image)
        if code is None and found and _reads_better_turned(page, found):
            page = turned(page, 180)
            found = tables(page.image)
        boxes = [(c.x0, c.y0, c.x1, c.y1) for t in found for c in t.cells]
        read = iter(ocr.read_cells(without_lines(page.image), boxes) if boxes else [])
        texts.append([[next(read) for _c in t.cells] for t in found])
        pages.append(ScannedPage(number, page, found, code, seals(page.image, number)))
    return _joined(pages, texts)


def _reads_better_turned(page: Straightened, found: list[TableBox]) -> bool:
    """Whether the text of a few of the page's cells reads upside down (the OCR's direction classifier)."""
    boxes = [(c.x0, c.y0, c.x1, c.y1) for t in found for c in t.cells]
    clean = without_lines(page.image)
    lines = [line for box in boxes for line in ocr.cell_lines(clean, box)[0]][:SAMPLE_LINES]
    return ocr.engine().upside_down([ocr.crop(clean, line) for line in lines]) > 0.5


def _joined(pages: list[ScannedPage], texts: list[list[list[ocr.CellText]]]) -> Scan:
    """The pages' tables as document tables: a table at the top of a page with as many grid columns as the
    last table of the page before continues it (its header row, when repeated, dropped)."""
    scan = Scan(SourceDocument("scan", [], "", pages=len(pages)), pages)
    last: tuple[Table, TableBox] | None = None
    for page, page_texts in zip(pages, texts, strict=True):
        height = page.page.image.shape[0]
        for index, (box, cell_texts) in enumerate(zip(page.tables, page_texts, strict=True)):
            continues = (last is not None and index == 0 and box.y0 < TOP_SHARE * height
                         and box.n_cols == last[1].n_cols and last[0].row_pages[-1] == page.number - 1)
            table = last[0] if continues else Table(len(scan.doc.tables) + 1, [], "", page.number)
            if not continues:
                scan.doc.tables.append(table)
            _add_rows(scan, table, box, cell_texts, page.number)
            last = (table, box)
    texts_all = [c.text.text for c in scan.cells.values()]
    scan.doc.text_source = "\n".join(texts_all)
    scan.doc.footer_text = " ".join(scan.codes)
    return scan


def _add_rows(scan: Scan, table: Table, box: TableBox, cell_texts: list[ocr.CellText], page: int) -> None:
    header = [c.text for c in table.rows[0]] if table.rows else None
    made: dict[int, Cell] = {}
    offset = len(table.rows)
    by_box = {id(c): t for c, t in zip(box.cells, cell_texts, strict=True)}
    grid = box.grid()
    if header is not None and grid and [by_box[id(c)].text if c else "" for c in grid[0]] == header:
        grid = grid[1:]  # the header row repeated on the new page
    for r, row in enumerate(grid):
        cells: list[Cell] = []
        for c, found in enumerate(row):
            if found is None:
                cells.append(Cell("", offset + r, c))
                continue
            if id(found) not in made:
                text = by_box[id(found)]
                shown, checked = BOXES.get(text.text, (text.text, None))
                made[id(found)] = cell = Cell(shown, offset + r, found.col, found.cols, checked=checked)
                scanned = ScannedCell(page, (found.x0, found.y0, found.x1, found.y1), text)
                scan.cells[(table.number, cell.row + 1, cell.col + 1)] = scanned
                scan.boxes[id(cell)] = (page, scanned.box)
            cells.append(made[id(found)])
        table.rows.append(cells)
        table.row_pages.append(page)
