"""Chinese OCR that runs offline: the PP-OCRv4 recognition model that ``rapidocr-onnxruntime``'s wheel carries
(nothing is downloaded), run by onnxruntime on one thread. Loaded once per process (:func:`engine`): a reading
worker is long-lived, so once per worker.

The grid gives each cell's box; inside it the text lines are found by where the ink is (a horizontal
projection), so only recognition runs — no detection model over the whole page. Each line comes back with
its text and a confidence: the lowest probability of any of its characters (a line with one doubtful
character is doubtful), never the mean."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formkit.errors import FormkitError
from formkit.scan.straighten import ink

BATCH = 8
SURE = 0.9  # the lowest character confidence of a line read for sure
MIN_LINE_PX = 8  # a band of ink lower than this is a speck or a stray stroke, not a line of text
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff，。；：、！？（）“”《》]")


@dataclass
class Line:
    text: str
    confidence: float
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 on the page


@dataclass
class CellText:
    text: str
    confidence: float | None  # None: nothing written
    lines: list[Line]
    ink: float  # share of the cell's area that is ink (a signature, a stroke no line was made of)


class Engine:
    """The recognition model and its character list."""

    def __init__(self) -> None:
        try:
            import onnxruntime as ort
            import rapidocr_onnxruntime
        except ImportError as exc:  # opencv-python needs libGL.so.1 (Debian: libgl1)
            raise FormkitError("scan.unavailable", f"本机无法识别扫描件：缺少 OCR 组件（{exc}）") from exc
        model = Path(rapidocr_onnxruntime.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 4
        self.session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        self.characters = ["", *meta["character"].splitlines(), " "]
        self.input = self.session.get_inputs()[0].name
        self._turn: ort.InferenceSession | None = None
        self._options, self._models = options, model.parent

    def upside_down(self, crops: list[np.ndarray]) -> float:
        """How likely lines of text are upside down (0–1), by the direction classifier the wheel carries."""
        if not crops:
            return 0.0
        if self._turn is None:
            import onnxruntime as ort

            self._turn = ort.InferenceSession(str(self._models / "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
                                              sess_options=self._options, providers=["CPUExecutionProvider"])
        tensor = np.stack([_normalised(c, 192) for c in crops])
        probs = self._turn.run(None, {self._turn.get_inputs()[0].name: tensor})[0]
        return float(np.mean(probs[:, 1]))

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and confidence of each crop (one line of text, BGR), in batches of similar widths."""
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            ratio = max(max(crops[i].shape[1] / crops[i].shape[0] for i in batch), 320 / 48)
            width = int(48 * ratio)
            tensor = np.stack([_normalised(crops[i], width) for i in batch])
            preds = self.session.run(None, {self.input: tensor})[0]
            for i, pred in zip(batch, preds, strict=True):
                out[i] = self._decoded(pred)
        return out

    def _decoded(self, pred: np.ndarray) -> tuple[str, float]:
        index, prob = pred.argmax(axis=1), pred.max(axis=1)
        chars, probs, last = [], [], 0
        for i, p in zip(index, prob, strict=True):
            if i != 0 and i != last:
                chars.append(self.characters[i] if i < len(self.characters) else "")
                probs.append(float(p))
            last = i
        return "".join(chars), (min(probs) if probs else 0.0)


def _normalised(crop: np.ndarray, width: int) -> np.ndarray:
    height = 48
    resized_w = min(width, int(np.ceil(height * crop.shape[1] / crop.shape[0])))
    resized = cv2.resize(crop, (resized_w, height)).astype(np.float32).transpose(2, 0, 1) / 255
    padded = np.zeros((3, height, width), dtype=np.float32)
    padded[:, :, :resized_w] = (resized - 0.5) / 0.5
    return padded


_ENGINE: Engine | None = None


def engine() -> Engine:
    """The process's engine, loaded on first use."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = Engine()
    return _ENGINE


def cell_lines(page: np.ndarray, box: tuple[int, int, int, int]) -> tuple[list[tuple[int, int, int, int]], float]:
    """The boxes of the text lines inside a cell (page coordinates), and the share of its area in ink. The
    page is one with its ruling lines painted out (:func:`formkit.scan.grid.without_lines`): the cell is
    looked at up to the middle of its top and bottom lines, where text in a tight row reaches (text keeps off
    the lines at its sides)."""
    height, width = page.shape[:2]
    x0, y0, x1, y1 = box[0] + 4, max(0, box[1] - 3), box[2] - 4, min(height, box[3] + 3)
    binary = ink(page[y0:y1, x0:x1])
    if not binary.size:
        return [], 0.0
    count, labels, stats, _c = cv2.connectedComponentsWithStats(binary, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= 6  # noise specks are not ink
    binary = np.where(keep[labels], 255, 0).astype(np.uint8)
    share = float(np.count_nonzero(binary)) / binary.size
    rows = np.flatnonzero(binary.sum(axis=1))
    lines = []
    for top, bottom in _bands(rows, gap=3):
        if bottom - top + 1 < MIN_LINE_PX:
            continue
        cols = np.flatnonzero(binary[top:bottom + 1].sum(axis=0))
        left, right = int(cols[0]), int(cols[-1])
        lines.append((x0 + left, y0 + top, x0 + right + 1, y0 + bottom + 1))
    return lines, share


def _bands(rows: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs of consecutive indices (a break of more than ``gap`` starts a new run)."""
    bands: list[tuple[int, int]] = []
    for r in rows.tolist():
        if bands and r - bands[-1][1] <= gap:
            bands[-1] = (bands[-1][0], r)
        else:
            bands.append((r, r))
    return bands


def crop(page: np.ndarray, box: tuple[int, int, int, int], margin: int = 4) -> np.ndarray:
    """A line's picture for the recogniser: the red channel (a red seal over the text fades to paper) as
    three channels, with a margin of paper."""
    x0, y0, x1, y1 = box
    height, width = page.shape[:2]
    red = page[max(0, y0 - margin):min(height, y1 + margin), max(0, x0 - margin):min(width, x1 + margin), 2]
    return cv2.merge([red, red, red])


def join_lines(lines: list[Line], right: int) -> str:
    """Lines of one cell as one text: nothing between Chinese characters, a space between Latin words; a
    line that stops well short of the cell's right edge (``right``) ended its paragraph (a line break)."""
    out, last = "", None
    for line in lines:
        text = line.text.strip()
        if last is not None and text:
            height = last.box[3] - last.box[1]
            if right - last.box[2] > 2.5 * height:
                out += "\n"
            elif out and not (_CJK.match(out[-1]) or _CJK.match(text[0])):
                out += " "
        out += text
        last = line if text else last
    return out


def _second_look(page: np.ndarray, boxes: list[tuple[int, int, int, int]],
                 read: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Lines read with less than :data:`SURE` confidence read again from two other pictures of them (the ink
    made black on white; the picture slightly blurred, which smooths a photo's noise): a reading that gives
    the first text again, or that is sure, is taken, as sure as the surer of the two. Anything else stays
    unsure."""
    doubtful = [i for i, (_text, confidence) in enumerate(read) if confidence < SURE]
    if not doubtful:
        return read
    pictures = [crop(page, boxes[i]) for i in doubtful]
    again = engine().recognise([_inked(p) for p in pictures] + [cv2.GaussianBlur(p, (3, 3), 0) for p in pictures])
    out = list(read)
    for n, i in enumerate(doubtful):
        first, sure = read[i]
        for text, confidence in (again[n], again[n + len(doubtful)]):
            if (text == first or confidence >= SURE) and max(confidence, sure) > out[i][1]:
                out[i] = (text, max(confidence, sure))
    return out


def _inked(picture: np.ndarray) -> np.ndarray:
    """A line's picture as black ink on white paper (Otsu's threshold of its own grey levels)."""
    gray = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    _t, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return cv2.merge([binary, binary, binary])


def read_cells(page: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[CellText]:
    """The text of each cell of a page, its lines recognised together."""
    found = [cell_lines(page, box) for box in boxes]
    crops, owners = [], []
    for index, (lines, _share) in enumerate(found):
        for line in lines:
            crops.append(crop(page, line))
            owners.append((index, line))
    read = _second_look(page, [line for _i, line in owners], engine().recognise(crops)) if crops else []
    per_cell: list[list[Line]] = [[] for _ in boxes]
    for (index, box), (text, confidence) in zip(owners, read, strict=True):
        per_cell[index].append(Line(text, confidence, box))
    out = []
    for box, (_lines, share), lines in zip(boxes, found, per_cell, strict=True):
        lines = [ln for ln in lines if ln.text.strip()]
        confidence = min((ln.confidence for ln in lines), default=None)
        out.append(CellText(join_lines(lines, box[2]), confidence, lines, share))
    return out
