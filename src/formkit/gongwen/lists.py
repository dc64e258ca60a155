"""Lines of an organ list (主送 7.3.2, 抄送 7.4.2, 附件说明 7.3.4) as the engine breaks them itself: an organ's
name is never split across two lines ("中国人民银 / 行"), which a renderer breaking CJK text anywhere would
do. Widths are in 字 of the list's size: a CJK character or full-width mark one, anything else half."""

from __future__ import annotations

import re

# where a list may break: after the marks that separate organs (and after the label's colon)
BREAK_AFTER = "，、；：:"
_TOKEN = re.compile(rf"[^{BREAK_AFTER}]+[{BREAK_AFTER}。]*|[{BREAK_AFTER}。]+")


def width(text: str) -> float:
    """Width in 字: CJK characters and full-width marks one, Latin letters and digits half."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.5 for ch in text)


def break_list(text: str, first: float, rest: float | None = None) -> list[str]:
    """``text`` in lines of at most ``first`` 字 (the first line) and ``rest`` 字 (the others), broken only
    after a separator; a single name longer than a line is cut where the line ends (nothing else fits it)."""
    rest = first if rest is None else rest
    lines: list[str] = []
    current = ""
    for token in _TOKEN.findall(text):
        limit = first if not lines else rest
        if current and width(current + token) > limit:
            lines.append(current)
            current = ""
        current += token
        while width(current) > (first if not lines else rest):
            cut = _cut(current, first if not lines else rest)
            lines.append(current[:cut])
            current = current[cut:]
    if current or not lines:
        lines.append(current)
    return lines


def _cut(text: str, limit: float) -> int:
    used = 0.0
    for i, ch in enumerate(text):
        used += width(ch)
        if used > limit:
            return max(1, i)
    return len(text)


def split_organ(lines: list[str]) -> list[int]:
    """Indices of the lines (all but the last) that end inside an organ's name: not after a separator."""
    return [i for i, line in enumerate(lines[:-1]) if line and line[-1] not in BREAK_AFTER]
