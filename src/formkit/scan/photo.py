"""Scans made as a county makes them, for the tests and the benchmark: a filled form printed (LibreOffice →
PDF → page images at a chosen resolution), sealed in red, signed by hand, then photographed with a phone —
turned, seen at an angle, lit from one side, noisy, saved as JPEG — or scanned flat. Nothing here is used to
read a scan."""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

import cv2
import numpy as np

SEAL_BGR = (40, 30, 205)
INK_BGR = (110, 40, 20)  # blue-black ballpoint
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def printed(docx: str | Path, out: Path, dpi: int = 200) -> tuple[list[np.ndarray], Path]:
    """The pages of a Word file as printed at ``dpi`` (BGR), and the PDF they were rendered from."""
    import pypdfium2 as pdfium

    from formkit.convert import convert

    pdf_path = convert(docx, out)
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        pages = [np.array(pdf[i].render(scale=dpi / 72).to_pil().convert("RGB"))[:, :, ::-1].copy()
                 for i in range(len(pdf))]
    finally:
        pdf.close()
    return pages, pdf_path


def sealed(image: np.ndarray, centre: tuple[float, float], name: str = "示例县人民政府", diameter_mm: float = 42,
           dpi: int = 200) -> np.ndarray:
    """A red round seal (ring, star, the organ's name around the top) stamped at ``centre`` (pixels): the ink
    multiplies with the page, as stamp ink does."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 25.4
    size = int(diameter_mm * scale)
    stamp = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(stamp)
    ring = max(3, int(1.2 * scale))
    draw.ellipse((ring // 2, ring // 2, size - ring // 2, size - ring // 2), outline=255, width=ring)
    r, cx = size * 0.16, size / 2
    points = [(cx + r * (1 if i % 2 == 0 else 0.4) * math.sin(i * math.pi / 5),
               cx - r * (1 if i % 2 == 0 else 0.4) * math.cos(i * math.pi / 5)) for i in range(10)]
    draw.polygon(points, fill=255)
    font = ImageFont.truetype(FONT, int(size * 0.13))
    for i, char in enumerate(name):
        angle = math.radians(-100 + 200 * (i + 0.5) / len(name))
        x, y = cx + size * 0.34 * math.sin(angle), cx - size * 0.34 * math.cos(angle)
        glyph = Image.new("L", (int(size * 0.16), int(size * 0.16)), 0)
        ImageDraw.Draw(glyph).text((0, 0), char, fill=255, font=font)
        glyph = glyph.rotate(-math.degrees(angle), expand=True)
        stamp.paste(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)), glyph)
    mask = np.array(stamp, dtype=np.float32) / 255 * 0.85
    return _blend(image, mask, centre, SEAL_BGR)


def signed(image: np.ndarray, box: tuple[int, int, int, int], seed: int = 0) -> np.ndarray:
    """A scrawled signature (a few joined strokes of ballpoint) inside ``box`` (pixels)."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = box
    out = image.copy()
    points = []
    x = x0 + (x1 - x0) * 0.15
    while x < x0 + (x1 - x0) * 0.75:
        points.append((int(x), int(rng.uniform(y0 + (y1 - y0) * 0.3, y0 + (y1 - y0) * 0.7))))
        x += rng.uniform(8, 22)
    cv2.polylines(out, [np.array(points, dtype=np.int32)], False, INK_BGR, 3, cv2.LINE_AA)
    return out


def _blend(image: np.ndarray, mask: np.ndarray, centre: tuple[float, float], colour: tuple[int, int, int]) -> np.ndarray:
    out = image.astype(np.float32)
    size = mask.shape[0]
    x0, y0 = int(centre[0] - size / 2), int(centre[1] - size / 2)
    sx0, sy0 = max(0, -x0), max(0, -y0)
    x0, y0 = max(0, x0), max(0, y0)
    h = min(size - sy0, out.shape[0] - y0)
    w = min(size - sx0, out.shape[1] - x0)
    alpha = mask[sy0:sy0 + h, sx0:sx0 + w, None]
    tint = np.array(colour, dtype=np.float32) / 255
    region = out[y0:y0 + h, x0:x0 + w]
    out[y0:y0 + h, x0:x0 + w] = region * (1 - alpha + alpha * tint)
    return np.clip(out, 0, 255).astype(np.uint8)


def photographed(image: np.ndarray, seed: int = 0, turn: int = 0, tilt: float = 0.06, shade: float = 0.45,
                 noise: float = 6.0, quality: int = 85) -> bytes:
    """The page as a phone photo, JPEG: lying on a darker desk, seen at an angle (corners moved by up to
    ``tilt`` of the page's size), turned by ``turn`` degrees (90, 180, 270) plus a little, darker towards one
    side (by ``shade``), with sensor noise."""
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    margin = int(0.12 * max(height, width))
    canvas = (int(width + 2 * margin), int(height + 2 * margin))
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    moved = corners + margin + rng.uniform(-tilt, tilt, (4, 2)).astype(np.float32) * [width, height]
    matrix = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    photo = cv2.warpPerspective(image, matrix, canvas, flags=cv2.INTER_LINEAR, borderValue=(70, 85, 100))
    small = rng.uniform(-2.5, 2.5)
    centre = (canvas[0] / 2, canvas[1] / 2)
    photo = cv2.warpAffine(photo, cv2.getRotationMatrix2D(centre, small, 1.0), canvas, borderValue=(70, 85, 100))
    ys, xs = np.mgrid[0:canvas[1], 0:canvas[0]].astype(np.float32)
    light = 1.0 - shade * (xs / canvas[0]) * (0.6 + 0.4 * ys / canvas[1])
    photo = photo.astype(np.float32) * light[:, :, None] + rng.normal(0, noise, photo.shape)
    photo = np.clip(photo, 0, 255).astype(np.uint8)
    if turn:
        photo = cv2.rotate(photo, {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
                                   270: cv2.ROTATE_90_COUNTERCLOCKWISE}[turn % 360])
    ok, encoded = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return encoded.tobytes()


def scanned_pdf(pages: list[np.ndarray], dpi: int = 200) -> bytes:
    """Page images as a PDF of images (what a scanner's "scan to PDF" writes: no text layer)."""
    from PIL import Image

    images = [Image.fromarray(p[:, :, ::-1]) for p in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()
