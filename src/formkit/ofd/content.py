"""One OFD page's content (its ``Content.xml`` and its templates') → what is drawn on it: the characters with
their boxes, the horizontal and vertical lines (ruling lines, and the sides of drawn rectangles), the images.

Coordinates (GB/T 33190 §7, §8): millimetres from the page's top-left corner, y downwards. An object's
``Boundary`` (x y w h) places its own space on the page, its ``CTM`` (a b c d e f) maps its space into the
boundary's. A ``TextCode`` puts its first character at (X, Y) — Y is the baseline — and each next one
``DeltaX`` further (``g 3 5.2``: three steps of 5.2); a ``PathObject``'s ``AbbreviatedData`` draws with
S/M (start, move), L (line), Q, B, A (curves: not ruling lines) and C (close).

Limits: a page larger than ``limits.page_mm`` on a side (``ofd.page-too-large``); more than
``limits.page_objects`` characters, line segments and images on a page (``ofd.too-many-objects``, counted in
the part's bytes before it is parsed, and while it is read)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from formkit.limits import Limits
from formkit.ofd.package import Document, OfdError, OfdPackage, local, numbers, q
from formkit.pdf.positioned import Glyph, Rule

MM_PT = 72 / 25.4  # points per millimetre: what the PDF path's tolerances are in
A4 = [0.0, 0.0, 210.0, 297.0]
STRAIGHT_MM = 0.2  # a segment this close to horizontal (vertical) is a horizontal (vertical) line
ASCENT, DESCENT = 0.85, 0.15  # of the font size above and below the baseline
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class Picture:
    media: str  # the image file's part
    box: tuple[float, float, float, float]  # mm on the page: x0, top, x1, bottom


@dataclass
class PageContent:
    number: int
    width: float  # mm
    height: float
    glyphs: list[Glyph] = field(default_factory=list)  # in points (as the PDF path has them)
    rules: list[Rule] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)


def page_content(package: OfdPackage, doc: Document, number: int, part: str) -> PageContent:
    """What page ``number`` (its ``Content.xml`` is ``part``) draws, its templates' objects included."""
    limits = package.limits
    root = _parsed(package, part, number, limits)
    area = root.find(q("Area"))
    box = numbers(area.findtext(q("PhysicalBox"))) if area is not None else []
    box = box if len(box) == 4 and box[2] > 0 and box[3] > 0 else (doc.box if len(doc.box) == 4 else A4)
    if max(box[2], box[3]) > limits.page_mm:
        raise OfdError("ofd.page-too-large", f"OFD 第 {number} 页的页面为 {box[2]:g}×{box[3]:g} 毫米，"
                       f"超过每边 {limits.page_mm} 毫米的上限，可能是恶意文件")
    page = PageContent(number, box[2], box[3])
    drawn = _Drawn(page, doc, limits)
    for template in root.iter(q("Template")):
        found = doc.templates.get(template.get("TemplateID", ""))
        if found:
            drawn.walk(_parsed(package, found, number, limits).find(q("Content")))
    drawn.walk(root.find(q("Content")))
    return page


def _parsed(package: OfdPackage, part: str, number: int, limits: Limits) -> Any:
    data = package.read(part)
    if data.count(b"Object") > 2 * limits.page_objects + 16:  # an open and a close tag each
        raise _too_many(number, limits)
    return package.xml(part)


def _too_many(number: int, limits: Limits) -> OfdError:
    return OfdError("ofd.too-many-objects", f"OFD 第 {number} 页的文字、线条和图像对象超过 {limits.page_objects} 个的上限，"
                    "可能是恶意文件")


class _Drawn:
    """Collects a page's objects (and counts them against the limit)."""

    def __init__(self, page: PageContent, doc: Document, limits: Limits):
        self.page, self.doc, self.limits, self.count = page, doc, limits, 0

    def _counted(self, n: int = 1) -> None:
        self.count += n
        if self.count > self.limits.page_objects:
            raise _too_many(self.page.number, self.limits)

    def walk(self, container: Any) -> None:
        if container is None:
            return
        for element in container:
            name = local(element)
            if element.get("Visible") == "false":
                continue
            if name in ("Layer", "PageBlock"):
                self.walk(element)
            elif name == "TextObject":
                self.text(element)
            elif name == "PathObject":
                self.path(element)
            elif name == "ImageObject":
                self.image(element)

    def text(self, element: Any) -> None:
        place = _placement(element)
        size = _number(element.get("Size"), 3.5) * _scale(place)
        x = y = 0.0
        for code in element.iter(q("TextCode")):
            chars = code.text or ""
            x, y = _number(code.get("X"), x), _number(code.get("Y"), y)
            dx, dy = _steps(code.get("DeltaX"), len(chars)), _steps(code.get("DeltaY"), len(chars))
            self._counted(len(chars))
            for i, char in enumerate(chars):
                step = dx[i] if i < len(dx) else _advance(char, _number(element.get("Size"), 3.5))
                x0, base = _apply(place, x, y)
                x1, _ = _apply(place, x + step, y)
                if x1 <= x0:
                    x1 = x0 + _advance(char, size)
                self.page.glyphs.append(Glyph(char, x0 * MM_PT, (base - ASCENT * size) * MM_PT, x1 * MM_PT,
                                              (base + DESCENT * size) * MM_PT))
                x, y = x + step, y + (dy[i] if i < len(dy) else 0.0)

    def path(self, element: Any) -> None:
        if element.get("Stroke") == "false" and element.get("Fill", "false") == "false":
            return  # drawn neither way: invisible
        place = _placement(element)
        for (ax, ay), (bx, by) in _segments(element.findtext(q("AbbreviatedData")) or ""):
            self._counted()
            (x0, y0), (x1, y1) = _apply(place, ax, ay), _apply(place, bx, by)
            if abs(y0 - y1) <= STRAIGHT_MM or abs(x0 - x1) <= STRAIGHT_MM:
                self.page.rules.append(Rule(min(x0, x1) * MM_PT, min(y0, y1) * MM_PT, max(x0, x1) * MM_PT,
                                            max(y0, y1) * MM_PT))

    def image(self, element: Any) -> None:
        self._counted()
        media = self.doc.media.get(element.get("ResourceID", ""))
        box = numbers(element.get("Boundary"))
        if media and len(box) == 4 and box[2] > 0 and box[3] > 0:
            self.page.pictures.append(Picture(media, (box[0], box[1], box[0] + box[2], box[1] + box[3])))


def _number(text: str | None, default: float) -> float:
    found = numbers(text)
    return found[0] if found else default


def _placement(element: Any) -> Matrix:
    """The object's CTM followed by the move to its boundary's corner: object space → page (mm)."""
    boundary = numbers(element.get("Boundary")) + [0.0, 0.0]
    ctm = numbers(element.get("CTM"))
    a, b, c, d, e, f = ctm if len(ctm) == 6 else IDENTITY
    return (a, b, c, d, e + boundary[0], f + boundary[1])


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _scale(m: Matrix) -> float:
    return abs(m[0] * m[3] - m[1] * m[2]) ** 0.5 or 1.0


def _advance(char: str, size: float) -> float:
    """A character's width when the file does not give it: full width for CJK, half for the rest."""
    return size if ord(char) >= 0x2E80 else size / 2


def _steps(text: str | None, wanted: int) -> list[float]:
    """``DeltaX``/``DeltaY`` as one step per character (at most ``wanted``): ``1 2 g 3 5.2`` → [1, 2, 5.2, 5.2, 5.2]."""
    tokens, out, i = (text or "").split(), [], 0
    while i < len(tokens) and len(out) < wanted:
        if tokens[i] == "g" and i + 2 < len(tokens):
            count, value = numbers(tokens[i + 1]), numbers(tokens[i + 2])
            if count and value:
                out += [value[0]] * max(0, min(int(count[0]), wanted - len(out)))
            i += 3
            continue
        out += numbers(tokens[i])
        i += 1
    return out


_OPERANDS = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}


def _segments(data: str) -> Iterator[tuple[tuple[float, float], tuple[float, float]]]:
    """The straight segments an ``AbbreviatedData`` draws (L, and C back to the subpath's start)."""
    tokens, i = data.split(), 0
    here = start = (0.0, 0.0)
    while i < len(tokens):
        command = tokens[i]
        count = _OPERANDS.get(command)
        if count is None:  # a stray number or an unknown command: skipped
            i += 1
            continue
        values = numbers(" ".join(tokens[i + 1:i + 1 + count]))
        i += 1 + count
        if len(values) != count:
            return
        if command in ("S", "M"):
            here = start = (values[0], values[1])
        elif command == "L":
            yield here, (values[0], values[1])
            here = (values[0], values[1])
        elif command == "C":
            if here != start:
                yield here, start
            here = start
        else:
            here = (values[-2], values[-1])
