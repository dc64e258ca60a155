"""What a person types for a yes/no or a choice (a grade) → its canonical value, wherever it is typed: a
returned form (``read/``) or the secretariat's review inputs (``review/``). Below both, so neither imports
the other. Numbers, amounts and dates stay in ``read/normalise.py``, the only layer that reads them.

Every function takes the raw text and returns the value, or raises :class:`BadValue` with a stable code
and the reason in Chinese. Empty text is ``None`` (whether that is allowed is validation's business)."""

from __future__ import annotations

import re
import unicodedata


class BadValue(ValueError):
    def __init__(self, code: str, reason: str):
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


# Text an editor leaves in an untouched control or cell; treated as empty.
PLACEHOLDER_TEXTS = {
    "请选择", "请选择日期", "选择一项。", "选择一项", "单击或点击此处输入文字。", "单击此处输入文字。",
    "单击或点击此处输入日期。", "单击此处输入日期。", "Click or tap here to enter text.",
    "Choose an item.", "Click or tap to enter a date.",
}
CHECKED_MARKS = "☑☒■√✓✔✅"
UNCHECKED_MARKS = "☐□"
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "对", "已", "已盖章", "已加盖"} | set(CHECKED_MARKS)
FALSE_WORDS = {"否", "无", "没有", "不是", "n", "no", "false", "0", "未", "×", "✗", "✘"} | set(UNCHECKED_MARKS)

# Characters that show nothing: zero-width spaces and joiners, the BOM, the word joiner, soft hyphens,
# direction marks and overrides, C0/C1 controls (tab and line breaks excepted). Never part of a value.
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e"
                       "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")


def quote(text: str, chars: int = 40) -> str:
    """What was typed, for a message: stripped, and shortened when long."""
    shown = visible(text).strip()
    return shown if len(shown) <= chars else shown[:chars] + "…"


def visible(text: str) -> str:
    """``text`` without the characters that show nothing."""
    return text if text.isprintable() else INVISIBLE.sub("", text)  # most text has none: checked in C


def shown(text: str | None) -> str | None:
    """What a reader sees of ``text``, stripped; None when that is nothing (empty, only spaces or invisible
    characters) or a placeholder."""
    if text is None:
        return None
    seen = visible(text).strip()
    return seen if seen and seen not in PLACEHOLDER_TEXTS else None


def is_blank(text: str | None) -> bool:
    """Nothing a reader would see: empty, only spaces or invisible characters, or a placeholder."""
    return shown(text) is None


def halfwidth(text: str) -> str:
    """Full-width digits, letters and ASCII punctuation → half-width (１２３.５ → 123.5)."""
    return unicodedata.normalize("NFKC", text)


def checked_options(text: str, options: tuple[str, ...]) -> list[str]:
    """Options marked with a check mark in text like ``☑是 ☐否`` or ``好（√） 较好（ ）``."""
    marks = re.escape(CHECKED_MARKS)
    found = []
    rest = text
    for option in sorted(options, key=len, reverse=True):  # 较好 before 好
        pattern = rf"[{marks}]\s*{re.escape(option)}|{re.escape(option)}\s*[(（]\s*[{marks}]\s*[)）]"
        if re.search(pattern, rest):
            found.append(option)
        rest = rest.replace(option, "\0" * len(option))  # so 好 does not match inside 较好
    return found


def normalise_bool(text: str | None) -> bool | None:
    if is_blank(text):
        return None
    raw = halfwidth(visible(text).strip()).lower().replace(" ", "")
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    picked = checked_options(text, ("是", "否", "有", "无"))
    if len(picked) == 1:
        return picked[0] in ("是", "有")
    if len(picked) > 1:
        raise BadValue("value.ambiguous", f"“{quote(text)}”同时勾选了多个选项")
    raise BadValue("value.not-a-boolean", f"“{quote(text)}”应为“是”或“否”")


def normalise_choice(text: str | None, options: tuple[str, ...],
                     variants: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The canonical option: exact, without spaces or a trailing 等次/等/级, a configured variant, or the
    single option ticked in a list."""
    if is_blank(text):
        return None
    raw = halfwidth(visible(text).strip())
    compact = re.sub(r"\s+", "", raw)
    for candidate in (compact, re.sub(r"(等次|等级|等|级)$", "", compact)):
        if candidate in options:
            return candidate
        for canonical, alikes in (variants or {}).items():
            if candidate in alikes and canonical in options:
                return canonical
    picked = checked_options(raw, options)
    if len(picked) == 1:
        return picked[0]
    if len(picked) > 1:
        raise BadValue("value.ambiguous", f"“{quote(raw)}”同时勾选了多个选项")
    raise BadValue("value.not-a-choice", f"“{quote(raw)}”不是可选项（{'、'.join(options)}）")
