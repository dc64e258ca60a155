"""What a straightened page carries besides its tables: the QR code of the form's identity code (printed in
the footer of every page of an issued form), and red seals — a round red mark of about 4 cm, found by its
colour and shape (whose seal it is is not recognised)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formkit.scan.pages import DPI

MM_PX = DPI / 25.4
SEAL_MM = (25.0, 60.0)  # the diameter of an official seal (公章 42 mm, 部门章 and 专用章 smaller), with room
MIN_ROUNDNESS = 0.55  # 4πA/P² of the seal's filled outline (1 for a circle; an oval seal still passes)


@dataclass
class Code:
    text: str
    corners: np.ndarray  # the code's corners as read: top-left, top-right, bottom-right, bottom-left


@dataclass
class Seal:
    page: int
    centre_mm: tuple[float, float]  # from the page's top-left corner
    size_mm: tuple[float, float]  # width and height
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels

    def as_dict(self) -> dict:
        return {"page": self.page, "centre_mm": [round(v, 1) for v in self.centre_mm],
                "size_mm": [round(v, 1) for v in self.size_mm]}


_DETECTORS: list = []


def qr_code(image: np.ndarray) -> Code | None:
    """The page's QR code: looked for in the bottom fifth (where the footer puts it) and the top fifth (a page
    upside down), by OpenCV's detector and then its ArUco-based one (which finds a blurred or sheared code the
    first misses), then over the whole page."""
    if not _DETECTORS:
        _DETECTORS.extend([cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()])
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    height = gray.shape[0]
    regions = [(height * 4 // 5, height), (0, height // 5)]
    for detector in _DETECTORS:
        for top, bottom in [*regions, (0, height)] if detector is _DETECTORS[-1] else regions:
            try:
                text, points, _straight = detector.detectAndDecode(gray[top:bottom])
            except cv2.error:
                continue
            if text and points is not None:
                return Code(text, points.reshape(-1, 2)[:4] + np.array([0, top], dtype=np.float32))
    return None


def upside_down(code: Code) -> bool:
    """Whether the code reads upside down (its top edge runs right to left)."""
    top_left, top_right = code.corners[0], code.corners[1]
    return top_right[0] < top_left[0]


def red_mask(image: np.ndarray) -> np.ndarray:
    """Red ink (a seal's): hue near red, saturated enough not to be grey."""
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    low = cv2.inRange(hsv, (0, 70, 60), (12, 255, 255))
    high = cv2.inRange(hsv, (160, 70, 60), (180, 255, 255))
    return cv2.bitwise_or(low, high)


def seals(image: np.ndarray, page: int) -> list[Seal]:
    """The round red marks of a seal's size on the page."""
    mask = red_mask(image)
    if cv2.countNonZero(mask) < 200:
        return []
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25)))
    contours, _h = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    low, high = (v * MM_PX for v in SEAL_MM)
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (low <= w <= high and low <= h <= high and 0.6 <= w / h <= 1.67):
            continue
        hull = cv2.convexHull(contour)
        area, perimeter = cv2.contourArea(hull), cv2.arcLength(hull, True)
        if perimeter == 0 or 4 * np.pi * area / perimeter ** 2 < MIN_ROUNDNESS:
            continue
        found.append(Seal(page, ((x + w / 2) / MM_PX, (y + h / 2) / MM_PX), (w / MM_PX, h / MM_PX), (x, y, x + w, y + h)))
    return found
