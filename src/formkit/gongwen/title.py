"""Title lines (7.3.1): "回行时，要做到词意完整，排列对称，长短适宜" — break only between words (jieba), into
lines of at most 20 characters of 2号, as even as the words allow."""

from __future__ import annotations

import logging
from functools import lru_cache

MAX_CHARS = 20.0  # 156 mm / 22 pt
# terms of this work that must not be split across lines
TERMS = ("定点帮扶", "中央单位", "考核评价", "成效考核", "乡村振兴", "脱贫攻坚", "帮扶工作", "工作成效", "牵头部门",
         "挂职干部", "驻村第一书记", "消费帮扶", "工作进展")


def width(text: str) -> float:
    return sum(1.0 if ord(ch) > 0x2E80 else 0.5 for ch in text)


@lru_cache(maxsize=256)
def title_lines(title: str, max_chars: float = MAX_CHARS) -> tuple[str, ...]:
    if width(title) <= max_chars:
        return (title,)
    import jieba  # jieba is heavy: loaded only for a title that needs more than one line

    jieba.setLogLevel(logging.WARNING)
    for term in TERMS:
        jieba.add_word(term, freq=100000)
    words = list(jieba.cut(title))
    lines_needed = int(-(-width(title) // max_chars))
    target = width(title) / lines_needed
    lines: list[str] = []
    current = ""
    for word in words:
        remaining_lines = lines_needed - len(lines)
        if current and (width(current + word) > max_chars or (
                remaining_lines > 1 and abs(width(current) - target) < abs(width(current + word) - target))):
            lines.append(current)
            current = word
        else:
            current += word
    lines.append(current)
    return tuple(lines)
