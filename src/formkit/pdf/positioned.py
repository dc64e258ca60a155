"""A page given as positioned characters and ruling lines (an OFD page: :mod:`formkit.ofd`) → the page as the
PDF path sees it (``text``, ``tables``, ``captions``, ``chars``), so :func:`formkit.pdf.extract.paged_document`
makes its document exactly as it makes a PDF's.

The tables are found by pdfplumber's own table finder — the one that finds a PDF's — run over the given
characters and edges instead of a parsed PDF page. Units are PDF points from the page's top-left corner, as
pdfplumber's; pdfplumber is imported only when a page is laid out (never by reading a .docx)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formkit.pdf.extract import _captions

H, V = "h", "v"


@dataclass(frozen=True)
class Glyph:
    """One character: its text and its box (points, from the page's top-left corner)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class Rule:
    """A horizontal or vertical ruling line (or one side of a drawn rectangle), in points."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def orientation(self) -> str:
        return H if self.bottom - self.top <= self.x1 - self.x0 else V


class _Page:
    """What pdfplumber's table finder and text extraction ask of a page."""

    def __init__(self, chars: list[dict], edges: list[dict], bbox: tuple[float, float, float, float]):
        self.chars, self.edges, self.bbox = chars, edges, bbox


def laid_out(glyphs: list[Glyph], rules: list[Rule], width: float, height: float) -> dict[str, Any]:
    """The page (``width`` × ``height`` points) as :func:`formkit.pdf.extract.parse_pdf` gives a PDF's."""
    from pdfplumber.table import TableFinder
    from pdfplumber.utils import extract_text

    chars = [_char(g) for g in glyphs]
    page = _Page(chars, [_edge(r) for r in rules], (0.0, 0.0, width, height))
    found = sorted(TableFinder(page).tables, key=lambda t: (t.bbox[1], t.bbox[0]))
    return {"text": extract_text(chars) if chars else "", "tables": [t.extract() for t in found],
            "captions": _captions(chars, [t.bbox for t in found]), "chars": len(chars)}


def _char(g: Glyph) -> dict[str, Any]:
    return {"text": g.text, "x0": g.x0, "x1": g.x1, "top": g.top, "bottom": g.bottom, "doctop": g.top,
            "width": g.x1 - g.x0, "height": g.bottom - g.top, "size": g.bottom - g.top, "upright": True,
            "object_type": "char"}


def _edge(r: Rule) -> dict[str, Any]:
    if r.orientation == H:
        top = (r.top + r.bottom) / 2
        return {"x0": r.x0, "x1": r.x1, "top": top, "bottom": top, "doctop": top, "width": r.x1 - r.x0,
                "height": 0.0, "orientation": H, "object_type": "line"}
    x = (r.x0 + r.x1) / 2
    return {"x0": x, "x1": x, "top": r.top, "bottom": r.bottom, "doctop": r.top, "width": 0.0,
            "height": r.bottom - r.top, "orientation": V, "object_type": "line"}


@dataclass(frozen=True)
class Drawn:
    """A page of a PDF formkit rendered itself (a notice), as an OFD writer redraws it: points from the top-left
    corner; colours as 0–255 RGB; each character's font name and size."""

    width: float
    height: float
    chars: list[tuple[str, float, float, float, str, tuple[int, int, int]]]  # text, x0, baseline, size, font, colour
    rules: list[tuple[float, float, float, float, float, tuple[int, int, int]]]  # x0, top, x1, bottom, width, colour


def drawn_pages(pdf: bytes) -> list[Drawn]:
    """What each page of ``pdf`` draws that an OFD can carry as text and lines. For formkit's own PDFs only:
    parsed here, not in an isolated child."""
    import io

    import pdfplumber

    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            chars = [(c["text"], c["x0"], c["bottom"] - c["size"] * 0.12, c["size"], _font(c["fontname"]),
                      _rgb(c.get("non_stroking_color"))) for c in page.chars]
            rules = [(e["x0"], e["top"], e["x1"], e["bottom"], e.get("linewidth") or 0.5,
                      _rgb(e.get("stroking_color") if e.get("stroke") else e.get("non_stroking_color")))
                     for e in page.lines + page.rects]
            out.append(Drawn(page.width, page.height, chars, rules))
    return out


def _font(name: str) -> str:
    """``ABCDEF+NotoSerifCJKsc-Regular`` → ``NotoSerifCJKsc-Regular`` (the subset tag dropped)."""
    return name.split("+", 1)[-1]


def _rgb(color: Any) -> tuple[int, int, int]:
    values = list(color) if isinstance(color, (list, tuple)) else [color] if isinstance(color, (int, float)) else []
    if len(values) == 1:
        values *= 3
    if len(values) == 4:  # CMYK
        c, m, y, k = values
        values = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    if len(values) != 3:
        return (0, 0, 0)
    return tuple(max(0, min(255, round(float(v) * 255))) for v in values)  # type: ignore[return-value]
