"""An OFD file → the :class:`~formkit.document.SourceDocument` the locator reads, made as a PDF's is: each page's
characters and ruling lines (:mod:`formkit.ofd.content`) laid out by the PDF path's table finder
(:func:`formkit.pdf.positioned.laid_out`), the pages joined by :func:`formkit.pdf.extract.paged_document`.

An OFD whose pages hold images but no text (a scan saved as OFD) is ``ofd.image-only``: the pipeline reads it
through the scan path, from the pages :func:`page_scan` renders from those images."""

from __future__ import annotations

import io

from formkit.document import SourceDocument
from formkit.limits import DEFAULT, Limits
from formkit.ofd.content import MM_PT, PageContent, page_content
from formkit.ofd.package import Document, OfdError, OfdPackage
from formkit.pdf.extract import paged_document
from formkit.pdf.positioned import laid_out

DPI = 200  # what a scan is read at (formkit.scan): the pages of an image-only OFD are rendered at it
IMAGE_ONLY = "OFD 文件只有页面图像、没有文字层（扫描件），按扫描件识别"


def pages_of(data: bytes, limits: Limits = DEFAULT) -> tuple[OfdPackage, Document, list[PageContent]]:
    package = OfdPackage(data, limits)
    doc = package.document()
    return package, doc, [page_content(package, doc, n, part) for n, (_id, part) in enumerate(doc.pages, start=1)]


def read_ofd(data: bytes, limits: Limits = DEFAULT) -> SourceDocument:
    """The document's tables and text; ``ofd.image-only`` for a scan saved as OFD, ``read.ofd`` for an OFD
    with nothing to read on its pages."""
    _package, doc, pages = pages_of(data, limits)
    if not any(p.glyphs for p in pages):
        if any(p.pictures for p in pages):
            raise OfdError("ofd.image-only", IMAGE_ONLY)
        raise OfdError("read.ofd", "这是 OFD 版式文件，但页面上没有可读取的文字或图像，请报送 Word 文件")
    laid = [laid_out(p.glyphs, p.rules, p.width * MM_PT, p.height * MM_PT) for p in pages]
    producer = " ".join(v for v in (doc.info.get("Creator"), doc.info.get("CreatorVersion")) if v)
    document = paged_document(laid, producer, "ofd")
    document.properties = dict(doc.custom)
    return document


def page_scan(data: bytes, limits: Limits = DEFAULT) -> bytes:
    """The pages of an image-only OFD as the scan path reads a scan: each page drawn at :data:`DPI` on white
    from its images at their places, all pages in one TIFF. A page or image larger than
    ``limits.scan_pixels`` is refused before it is allocated (``ofd.page-too-large``)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # checked here, against formkit's own limit, before decoding
    package, _doc, pages = pages_of(data, limits)
    scale = DPI / 25.4
    drawn = []
    for page in pages:
        size = (max(1, round(page.width * scale)), max(1, round(page.height * scale)))
        _fits(size, page.number, limits)
        canvas = Image.new("RGB", size, "white")
        for picture in page.pictures:
            with _opened(package.read(picture.media), page.number) as image:
                _fits(image.size, page.number, limits)
                x0, top, x1, bottom = (round(v * scale) for v in picture.box)
                if x1 > x0 and bottom > top:
                    canvas.paste(image.convert("RGB").resize((x1 - x0, bottom - top)), (x0, top))
        drawn.append(canvas)
    out = io.BytesIO()
    drawn[0].save(out, format="TIFF", compression="tiff_deflate", save_all=True, append_images=drawn[1:],
                  dpi=(DPI, DPI))
    return out.getvalue()


def _fits(size: tuple[int, int], number: int, limits: Limits) -> None:
    if size[0] * size[1] > limits.scan_pixels:
        raise OfdError("ofd.page-too-large", f"OFD 第 {number} 页的图像有 {size[0]}×{size[1]} 像素，"
                       f"超过 {limits.scan_pixels} 像素的上限")


def _opened(data: bytes, number: int):
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as exc:
        raise OfdError("ofd.corrupt", f"OFD 第 {number} 页的图像已损坏，无法读取") from exc


__all__ = ["DPI", "page_scan", "pages_of", "read_ofd"]
