"""Text typed into a cell → a typed value in the field's unit. Each step is a small function.

Every function takes the raw text and returns the value, or raises :class:`BadValue` with a stable code
and the reason in Chinese. Empty text is ``None`` (whether that is allowed is validation's business).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

# the yes/no and choice normalisers live below read/ (the review inputs use them too); re-exported here
from formkit.forms.values import CHECKED_MARKS as CHECKED_MARKS
from formkit.forms.values import UNCHECKED_MARKS as UNCHECKED_MARKS
from formkit.forms.values import BadValue, halfwidth, is_blank, quote, shown, visible
from formkit.forms.values import normalise_bool as normalise_bool
from formkit.forms.values import normalise_choice as normalise_choice

APPROXIMATE = ("约", "大约", "近", "余", "多", "左右", "以上", "以下", "超过", "不到", "不足", "上下", "～", "~")
YUAN_PER = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
MAGNITUDE = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
# units that mean the same thing; 人 and 人次 are deliberately different families
UNIT_FAMILIES = [{"人", "名", "位"}, {"人次"}, {"个", "项"}, {"次"}, {"对"}]
MAX_DIGITS = 15  # significant digits a float keeps exactly; what Excel shows
MICRO = Decimal("0.000001")  # an amount is kept to this


_SEPARATOR = re.compile(r"(?<=\d)[,，'’](?=\d{3})")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # what Decimal reads as it is, and nothing here refuses
_MONEY = re.compile(r"(.*?)(亿元|万元|千元|元)?", re.S)
_COUNT = re.compile(r"(.*?)(人次|人|名|位|个|项|次|对)?", re.S)
_TIME = re.compile(r"[T\s]?\d{1,2}:\d{2}(:\d{2})?(\.\d+)?Z?$")
_DATE = re.compile(r"(\d{4})[年./\-](\d{1,2})[月./\-](\d{1,2})[日号]?")
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_CN = re.compile(r"([〇零一二三四五六七八九○0-9]{4})年([一二三四五六七八九十0-9]{1,3})月"
                      r"([一二三四五六七八九十0-9]{1,3})[日号]")
_WHITE = re.compile(r"\s+")


def strip_separators(text: str) -> str:
    """Thousands separators out of a number: ``1,234,567.8`` → ``1234567.8``. Spaces are not separators:
    ``120 80`` is two numbers (see :func:`squeeze`)."""
    return _SEPARATOR.sub("", text) if "," in text or "，" in text or "'" in text or "’" in text else text


def squeeze(text: str) -> str:
    """Spaces and line breaks out, except between two digits, where they part two numbers."""
    if text.isprintable() and " " not in text:  # no white space at all
        return text
    return _SPACES.sub("", text)


_SPACES = re.compile(r"(?<!\d)\s+|\s+(?!\d)")


SEVERAL = re.compile(r"\d\s+\d|\d[.,，]?\s*[、；;/|＋+和及与]\s*\d")


def parse_number(text: str) -> Decimal:
    """Arabic or Chinese (incl. financial 壹贰叁) numerals, with 千/万/亿 magnitudes: ``1.2万`` → 12000. Never
    returns what a float cannot hold as written: not finite (NaN, Infinity) or beyond 15 significant digits."""
    core = strip_separators(squeeze(halfwidth(visible(text).strip())))
    if not core:
        raise BadValue("value.not-a-number", "没有数字")
    if _DECIMAL.fullmatch(core):  # plain digits: no approximation, no second number
        return checked_number(Decimal(core), text)
    if any(word in core for word in APPROXIMATE):
        raise BadValue("value.approximate", f"“{quote(text)}”是约数，请填写确切数字")
    if SEVERAL.search(core):
        raise BadValue("value.several-numbers", f"“{quote(text)}”中有不止一个数，本栏只能填写一个数")
    return checked_number(_parse(core, text), text)


def _parse(core: str, text: str) -> Decimal:
    try:
        if "_" not in core:  # Python's digit grouping (1_000) is nothing a person writes
            return Decimal(core)
    except InvalidOperation:
        pass
    try:
        return Decimal(str(_cn2an(core)))
    except (ValueError, KeyError, IndexError, TypeError, ArithmeticError):
        pass
    match = re.fullmatch(r"(.+?)([千万亿])", core)  # 一点二亿: cn2an wants no decimals before a magnitude
    if match:
        return checked_number(_parse(match.group(1), text), text) * MAGNITUDE[match.group(2)]
    raise BadValue("value.not-a-number", f"“{quote(text)}”不是有效数字")


def _cn2an(text: str):
    """Chinese numerals (incl. financial 壹贰叁) as a number, by cn2an: imported when first needed (it takes a
    fifth of a second to import, and most forms hold Arabic numerals only)."""
    import cn2an

    return cn2an.cn2an(text, "smart")


def checked_number(value: Decimal, text: str) -> Decimal:
    """``value`` when it is finite and fits 15 significant digits (a magnitude below 10^15), else BadValue
    ``value.not-finite`` / ``value.too-many-digits``."""
    if not value.is_finite():
        raise BadValue("value.not-finite", f"“{quote(text)}”不是有限的数（NaN、无穷大等），请填写确切数字")
    if value and (value.adjusted() >= MAX_DIGITS or (len(value.as_tuple().digits) > MAX_DIGITS
                                                      and len(value.normalize().as_tuple().digits) > MAX_DIGITS)):
        raise BadValue("value.too-many-digits",
                       f"“{quote(text)}”的位数超过 {MAX_DIGITS} 位有效数字，无法准确保存，请核实数字和单位")
    return value


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def normalise_amount(text: str | None, unit: str = "万元") -> int | float | None:
    """An amount of money in ``unit``: 叁佰万元 → 300, 1.2亿元 → 12000, 12,000,000元 → 1200 (万元)."""
    if text and _DECIMAL.fullmatch(text):  # plain digits (most amounts): in the field's unit, nothing to convert
        return _number(checked_number(Decimal(text), text).quantize(MICRO).normalize())
    if is_blank(text):
        return None
    raw = squeeze(halfwidth(visible(text).strip())).replace("人民币", "")
    match = _MONEY.fullmatch(raw)
    number_text, money_unit = match.group(1), match.group(2)
    try:
        value = parse_number(number_text)
    except BadValue:
        if money_unit not in ("万元", "亿元", "千元"):
            raise
        number_text, money_unit = number_text + money_unit[0], "元"  # 1亿2千万元 = 1亿2千万 元
        value = parse_number(number_text)
    if money_unit:
        value *= YUAN_PER[money_unit]
    elif any(m in number_text for m in "万亿萬"):  # 300万, 三百万, 1.2亿: a sum of money in 元
        money_unit = "元"
    value = value / YUAN_PER[unit] if money_unit else value
    return _number(checked_number(value, text).quantize(MICRO).normalize())


def normalise_count(text: str | None, unit: str | None = None) -> int | None:
    """A whole number, optionally followed by its unit; a unit of another family is refused
    (``300人`` where 人次 is asked)."""
    if is_blank(text):
        return None
    raw = squeeze(halfwidth(visible(text).strip()))
    match = _COUNT.fullmatch(raw)
    number_text, given = match.group(1), match.group(2)
    if given and unit and not _same_unit(given, unit):
        raise BadValue("value.unit-mismatch", f"填写的单位是“{given}”，本栏的单位是“{unit}”，两者不能换算")
    value = parse_number(number_text)
    if value != value.to_integral_value():
        raise BadValue("value.not-an-integer", f"“{quote(text)}”不是整数")
    return int(value)


def _same_unit(a: str, b: str) -> bool:
    return a == b or any(a in family and b in family for family in UNIT_FAMILIES)


def normalise_date(text: str | None) -> date | None:
    """Every common Chinese way of writing a date: 2024年6月30日, 2024.6.30, 2024/06/30, 2024-6-30,
    20240630, 二〇二四年六月三十日, 2024年6月30号; a time after it is ignored."""
    if is_blank(text):
        return None
    raw = _WHITE.sub("", halfwidth(visible(text).strip()))
    raw = _TIME.sub("", raw)
    match = _DATE.fullmatch(raw) or _DATE_DIGITS.fullmatch(raw)
    if match is None:
        cn = _DATE_CN.fullmatch(raw)
        if cn is None:
            raise BadValue("value.invalid-date", f"“{quote(text)}”不是完整的日期（请写成 2024年6月30日）")
        try:
            parts = [int(_cn2an(p.replace("○", "〇"))) for p in cn.groups()]
        except ValueError as exc:
            raise BadValue("value.invalid-date", f"“{quote(text)}”不是有效日期") from exc
    else:
        parts = [int(p) for p in match.groups()]
    try:
        return date(*parts)
    except ValueError as exc:
        raise BadValue("value.invalid-date", f"“{quote(text)}”不是存在的日期") from exc


normalise_text = shown  # a text field's value: the text as shown (invisible characters out, spaces stripped)
