"""A page image straightened into an upright A4 page at :data:`~formkit.scan.pages.DPI`: the paper found in a
phone photo and its perspective undone, the light evened out (a shadow, a lamp's fall-off), a page scanned
sideways turned, a small skew taken out by the table's ruling lines. Which way up the page is (0° or 180°,
90° or 270°) needs its content: :func:`turned` turns it once the reader knows (from the QR code, else from
how well text reads either way up)."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from formkit.scan.pages import A4_MM, DPI

PAGE_PX = (round(A4_MM[0] / 25.4 * DPI), round(A4_MM[1] / 25.4 * DPI))  # (width, height): 1654 × 2339
MIN_PAPER = 0.2  # of the photo a sheet of paper must cover to be taken as the page
MAX_SKEW = 8.0  # degrees: a larger angle of the ruling lines is not a skew the scanner made


@dataclass
class Straightened:
    image: np.ndarray  # BGR, upright A4 at DPI (turned by 180° later, when the content says so)
    notes: dict = field(default_factory=dict)  # what was done: perspective, rotation, skew (degrees)


def straighten(image: np.ndarray) -> Straightened:
    """The page in ``image`` flattened, evened out, turned to portrait and deskewed."""
    notes: dict = {}
    quad = paper_quad(image)
    if quad is not None:
        image = _unwarp(image, quad)
        notes["perspective"] = True
    if image.shape[1] > image.shape[0]:  # landscape: the page was scanned or photographed sideways
        image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
        notes["rotation"] = 90
    image = cv2.resize(image, PAGE_PX, interpolation=cv2.INTER_AREA if image.shape[1] > PAGE_PX[0] else cv2.INTER_CUBIC)
    image = even_light(image)
    angle = skew(image)
    if abs(angle) >= 0.1:
        image = _rotated(image, angle)
        notes["skew"] = round(angle, 2)
    return Straightened(image, notes)


def turned(page: Straightened, degrees: int) -> Straightened:
    """The page turned by 180° (the only turn left once it is portrait)."""
    if degrees % 360 == 0:
        return page
    notes = {**page.notes, "rotation": (page.notes.get("rotation", 0) + degrees) % 360}
    return Straightened(cv2.rotate(page.image, cv2.ROTATE_180), notes)


def paper_quad(image: np.ndarray) -> np.ndarray | None:
    """The four corners of the sheet of paper in a photo (brighter than what it lies on), or None when the
    image is the page itself (a flatbed scan) or no sheet stands out. Each corner is where two of the
    sheet's edges meet, every edge a straight line fitted to its whole outline (a vertex of a simplified
    polygon would be off by a few pixels, and the rows of a table with it)."""
    height, width = image.shape[:2]
    scale = min(1.0, 1600 / max(height, width))
    small = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    _t, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((25, 25), np.uint8))  # the page's text is paper too
    contours, _h = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    frame = small.shape[0] * small.shape[1]
    if not MIN_PAPER * frame <= cv2.contourArea(largest) <= 0.97 * frame:
        return None
    hull = cv2.convexHull(largest)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(quad) != 4:
        return None
    x, y, w, h = cv2.boundingRect(quad)
    if x <= 1 and y <= 1 and x + w >= small.shape[1] - 2 and y + h >= small.shape[0] - 2:
        return None  # the whole frame: nothing to unwarp
    corners = _ordered(quad.reshape(4, 2).astype(np.float32))
    return _fitted(largest.reshape(-1, 2).astype(np.float32), corners) / scale


def _fitted(outline: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The corners where straight lines fitted to each side of ``outline`` (its points nearest that side,
    away from the corners) meet."""
    lines = []
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        side = b - a
        length = float(np.linalg.norm(side))
        t = (outline - a) @ side / (length * length)
        rel = outline - a
        distance = np.abs(side[0] * rel[:, 1] - side[1] * rel[:, 0]) / length
        near = outline[(t > 0.1) & (t < 0.9) & (distance < 0.02 * length)]
        if len(near) < 10:
            return corners
        vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for i in range(4):
        (p, d), (q, e) = lines[i - 1], lines[i]
        matrix = np.array([d, -e]).T
        if abs(np.linalg.det(matrix)) < 1e-6:
            return corners
        s, _t = np.linalg.solve(matrix, q - p)
        out.append(p + s * d)
    return np.array(out, dtype=np.float32)


def _ordered(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array([points[np.argmin(total)], points[np.argmin(diff)], points[np.argmax(total)],
                     points[np.argmax(diff)]], dtype=np.float32)


def _unwarp(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The sheet cut out and seen from straight above, A4-shaped (portrait or landscape as photographed)."""
    top = np.linalg.norm(quad[1] - quad[0])
    side = np.linalg.norm(quad[3] - quad[0])
    width, height = PAGE_PX if side >= top else PAGE_PX[::-1]
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)


def even_light(image: np.ndarray) -> np.ndarray:
    """Each channel divided by the paper's own brightness around it (ink removed by a dilation), so a
    shadow or a lamp's fall-off becomes white paper and ink keeps its colour."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    paper = cv2.medianBlur(cv2.dilate(small, np.ones((5, 5), np.uint8)), 15)
    paper = cv2.resize(np.maximum(paper, 40), (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(image, cv2.merge([paper, paper, paper]), scale=245)


def ink(image: np.ndarray) -> np.ndarray:
    """Dark ink as white on black (red ink — a seal — left out: the red channel sees it as paper)."""
    red = image[:, :, 2]
    return cv2.adaptiveThreshold(red, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20)


def skew(image: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise positive) of the page's long near-horizontal ruling lines (the
    strongest lines within :data:`MAX_SKEW` of horizontal, found at half size)."""
    binary = ink(cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    limit = np.radians(MAX_SKEW)
    lines = cv2.HoughLines(binary, 1, np.pi / 1440, threshold=binary.shape[1] // 4,
                           min_theta=np.pi / 2 - limit, max_theta=np.pi / 2 + limit)
    if lines is None or len(lines) == 0:  # (OpenCV 5.1 gives an empty array where 5.0 gave None)
        return 0.0
    thetas = lines.reshape(-1, 2)[:12, 1]  # the strongest first
    return float(np.degrees(np.pi / 2 - np.median(thetas)))


def _rotated(image: np.ndarray, angle: float) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=(255, 255, 255))
