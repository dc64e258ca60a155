"""A scan's bytes → page images (8-bit BGR arrays) at the resolution the reader works at.

A PDF of page images is rendered with pdfium (``pypdfium2``, which pdfplumber already brings); a PNG, JPEG or
TIFF (several pages in one TIFF) is decoded by Pillow. Everything here runs inside the reading worker, under
its memory and time limits (:mod:`formkit.intake.worker`); what is checked before anything is decoded: the
number of pages (``limits.pdf_pages``) and each page's pixels (``limits.scan_pixels``: a small file that
claims a huge picture is refused before it is allocated). The number of pages is said to whoever listens
(:func:`on_pages`: the worker, whose time budget for the file grows with it)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits

if TYPE_CHECKING:  # numpy loads with the first page: the reading worker imports this module for on_pages
    import numpy as np

DPI = 200  # what the reader works at: a PDF is rendered at it, an image is scaled to it (A4 at 200 dpi)
A4_MM = (210.0, 297.0)
_LISTENERS: list[Callable[[int], None]] = []


class ScanError(FormkitError):
    """A scan that cannot be read."""


def on_pages(listener: Callable[[int], None] | None) -> None:
    """Tell ``listener`` the number of pages of every scan as soon as it is known (None: nobody)."""
    _LISTENERS[:] = [listener] if listener else []


def _said(pages: int, limits: Limits) -> None:
    if pages > limits.pdf_pages:
        raise ScanError("scan.too-many-pages", f"扫描件共 {pages} 页，超过上限 {limits.pdf_pages} 页")
    if pages == 0:
        raise ScanError("scan.no-pages", "扫描件中没有页面")
    for listener in _LISTENERS:
        listener(pages)


def page_images(data: bytes, limits: Limits = DEFAULT) -> Iterator[np.ndarray]:
    """Each page as a BGR image, in order (a PDF rendered at :data:`DPI`)."""
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        yield from _pdf_pages(data, limits)
    else:
        yield from _image_pages(data, limits)


def _pdf_pages(data: bytes, limits: Limits) -> Iterator[np.ndarray]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ScanError("scan.corrupt", f"扫描件 PDF 无法打开（{exc}）") from exc
    try:
        _said(len(pdf), limits)
        for index in range(len(pdf)):
            yield _pdf_page(pdf, index, limits, pdfium.PdfiumError)
    finally:
        pdf.close()


def _pdf_page(pdf, index: int, limits: Limits, failure: type[Exception]) -> np.ndarray:
    """Page ``index`` rendered at :data:`DPI`; a page pdfium cannot load or draw is a corrupt scan."""
    try:
        page = pdf[index]
    except failure as exc:
        raise ScanError("scan.corrupt", f"扫描件 PDF 第 {index + 1} 页无法打开（{exc}）") from exc
    try:
        width, height = page.get_size()  # points
        scale = DPI / 72
        if width * height * scale * scale > limits.scan_pixels:
            raise ScanError("scan.too-large", f"第 {index + 1} 页按 {DPI} dpi 超过 {limits.scan_pixels} 像素的上限")
        bitmap = page.render(scale=scale, grayscale=False)
        import numpy as np

        return np.array(bitmap.to_pil().convert("RGB"))[:, :, ::-1].copy()
    except failure as exc:
        raise ScanError("scan.corrupt", f"扫描件 PDF 第 {index + 1} 页无法绘制（{exc}）") from exc
    finally:
        page.close()


def _image_pages(data: bytes, limits: Limits) -> Iterator[np.ndarray]:
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # checked here, against formkit's own limit, before decoding
    try:
        picture = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as exc:
        raise ScanError("scan.corrupt", "图片文件已损坏，无法读取") from exc
    frames = getattr(picture, "n_frames", 1)
    _said(frames, limits)
    for number, frame in enumerate(ImageSequence.Iterator(picture), start=1):
        if frame.width * frame.height > limits.scan_pixels:
            raise ScanError("scan.too-large", f"第 {number} 页图片有 {frame.width}×{frame.height} 像素，"
                            f"超过 {limits.scan_pixels} 像素的上限")
        try:
            rgb = frame.convert("RGB")
        except OSError as exc:
            raise ScanError("scan.corrupt", f"第 {number} 页图片已损坏，无法读取") from exc
        yield np.array(rgb)[:, :, ::-1].copy()
