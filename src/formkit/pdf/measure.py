"""Measurements of a rendered official document (GB/T 9704 §5.2): page sizes, text edges, lines per page,
characters per line, the red rule, the organ mark, page numbers, the 版记's last rule. In millimetres."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFDocument, PDFNoOutlines
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

MM = 25.4 / 72
PAGE_NO = re.compile(r"^—\s?\d+\s?—$")


def _is_red(color) -> bool:
    return isinstance(color, (tuple, list)) and len(color) == 3 and color[0] > 0.7 and color[1] < 0.35 and color[2] < 0.35


def measure(path: str | Path) -> dict:
    out = {"sizes": [], "left": 999.0, "right": 0.0, "full_pages": [], "max_chars": 0, "page1_text": "",
           "red_rule": None, "docno_bottom": None, "mark_top": None, "page_numbers": [], "imprint_rule": None, "letter_rules": []}
    with pdfplumber.open(str(path)) as pdf:
        pages = pdf.pages
        for index, page in enumerate(pages):
            out["sizes"].append((round(page.width * MM, 1), round(page.height * MM, 1)))
            body_chars = [c for c in page.chars if 36 <= c["top"] * MM <= 262 and abs(c["size"] - 16) < 0.6]
            rows: dict[float, list] = {}
            for c in body_chars:
                rows.setdefault(round(c["top"] * MM, 0), []).append(c)
            for chars in rows.values():
                out["left"] = min(out["left"], min(c["x0"] for c in chars) * MM)
                out["right"] = max(out["right"], max(c["x1"] for c in chars) * MM)
                count = sum(1 if ord(c["text"]) > 0x2E80 else 0.5 for c in chars)
                out["max_chars"] = max(out["max_chars"], count)
            tops = sorted(rows)
            if index not in (0, len(pages) - 1) and len(tops) >= 2 and tops[0] < 40 + 10.2:
                pitch = Counter(round(b - a, 1) for a, b in zip(tops, tops[1:], strict=False)).most_common(1)[0][0]
                if 262 - tops[-1] < pitch + 1:  # nothing more would fit: a full page
                    out["full_pages"].append((len(tops), pitch))
            if index == 0:
                out["page1_text"] = "".join(c["text"] for c in page.chars)
                reds = [ln for ln in page.lines if _is_red(ln.get("stroking_color")) and (ln["x1"] - ln["x0"]) * MM > 160]
                out["letter_rules"] = sorted({(round(ln["x0"] * MM, 1), round(ln["x1"] * MM, 1),
                                               round(ln["top"] * MM, 0)) for ln in reds}, key=lambda r: r[2])
                for line in page.lines:
                    if _is_red(line.get("stroking_color")) and (line["x1"] - line["x0"]) * MM > 100:
                        y = line["top"] * MM
                        out["red_rule"] = (line["x0"] * MM, line["x1"] * MM, y)
                        above = [c for c in page.chars if c["bottom"] * MM < y and y - c["bottom"] * MM < 15
                                 and not _is_red(c.get("non_stroking_color"))]
                        if above:
                            out["docno_bottom"] = max(c["bottom"] for c in above) * MM - 0.12 * 16 * MM
                red_chars = [c for c in page.chars if _is_red(c.get("non_stroking_color"))]
                if red_chars:
                    top = min(c["top"] for c in red_chars)
                    size = max(c["size"] for c in red_chars)
                    out["mark_top"] = (top + 0.12 * size) * MM  # font box → ink (calibrated on Noto/Fandol)
            words = [w for w in page.extract_words() if w["top"] * MM > 262]
            text = "".join(w["text"] for w in sorted(words, key=lambda w: w["x0"]))
            if PAGE_NO.match(text.replace(" ", "—", 0)) or re.fullmatch(r"—\d+—", text):
                x0 = min(w["x0"] for w in words) * MM
                x1 = max(w["x1"] for w in words) * MM
                odd = (index + 1) % 2 == 1
                out["page_numbers"].append(abs(184 - 4.94 - x1) <= 1.5 if odd else abs(x0 - 28 - 4.94) <= 1.5)
            else:
                out["page_numbers"].append(False)
        last = pages[-1]
        black = [ln for ln in last.lines if not _is_red(ln.get("stroking_color")) and (ln["x1"] - ln["x0"]) * MM > 150]
        if black:
            out["imprint_rule"] = max(ln["top"] for ln in black) * MM
    return out


def heading_pages(path: str | Path, headings: list[str]) -> list[int]:
    """The page (1-based) where each heading first appears, in order (a heading never comes before the
    previous one's page)."""
    with pdfplumber.open(str(path)) as pdf:
        texts = ["".join((page.extract_text() or "").split()) for page in pdf.pages]
    toc = [i for i, text in enumerate(texts) if "目录" in text[:40]]
    pages, start = [], (toc[-1] + 1 if toc else 0)  # not the table of contents itself
    for heading in headings:
        key = "".join(heading.split())
        found = next((i for i in range(start, len(texts)) if key in texts[i]), start)
        pages.append(found + 1)
        start = found
    return pages


def outlines(path: str | Path, with_pages: bool = False) -> list[tuple]:
    """The PDF's bookmarks as (level, title), or (level, title, page) with the 1-based page they point to."""
    with open(path, "rb") as fh:
        doc = PDFDocument(PDFParser(fh))
        try:
            items = list(doc.get_outlines())
        except PDFNoOutlines:
            return []
        if not with_pages:
            return [(level, title) for level, title, *_rest in items]
        pages = {page.pageid: n for n, page in enumerate(PDFPage.create_pages(doc), start=1)}
        out = []
        for level, title, dest, action, _se in items:
            target = resolve1(dest) if dest else resolve1(resolve1(action).get("D")) if action else None
            if isinstance(target, dict):
                target = resolve1(target.get("D"))
            ref = target[0] if isinstance(target, list) and target else None
            out.append((level, title, pages.get(getattr(ref, "objid", None))))
        return out
