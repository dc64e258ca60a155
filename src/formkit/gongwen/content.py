"""Checks of what an official document says, on the .docx: no placeholder printed, the 发文字号's year that
of the 成文日期, no attachment page holding only its title. The units read are the printed paragraphs and
table cells (``ooxml.texts``)."""

from __future__ import annotations

import re

from formkit.gongwen.profile import FAIL
from formkit.gongwen.verdict import Check, _check
from formkit.ooxml.texts import Printed

# what stands in for a value nobody gave: doubled brackets, template markers, an element's name in brackets
# instead of its value, XXX / ×××, a form's prompt
PLACEHOLDER = re.compile(
    r"（（|））|\(\(|\)\)|\{\{|\}\}|\{%|%\}"
    r"|[（(【\[［]\s*(?:签发人|联系人|联系电话|电话|姓名|名称|单位名称|机关名称|日期|成文日期|发文字号|文号|序号|待定|待填|待补"
    r"|此处[^）)】\]］]*|请填写[^）)】\]］]*)\s*[）)】\]］]"
    r"|[XxＸｘ×]{2,}|请选择|请填写")
YEAR_NUMBER = re.compile(r"〔(\d{4})〕[1-9]\d*号")
DATE = re.compile(r"^(\d{4})年[1-9]\d?月[1-9]\d?日$")
LABEL = re.compile(r"^附件\d*$")


def placeholders(units: list[Printed]) -> list[tuple[Printed, str]]:
    """Every printed unit holding a placeholder, with what matched."""
    return [(u, m.group(0)) for u in units for m in [PLACEHOLDER.search(u.text)] if m]


def check_placeholders(units: list[Printed]) -> Check:
    found = placeholders(units)
    shown = "；".join(f"第{u.index}段“{_around(u.text, hit)}”" for u, hit in found[:3])
    return _check("D-PLACEHOLDER", "7.1", not found, FAIL, shown or "无", "各要素写实际内容，不印占位符",
                  f"有 {len(found)} 处占位符（如{shown}）：应写实际内容" if found else "")


def check_number_year(units: list[Printed]) -> Check:
    """7.2.5 / 7.3.5.4: the 发文字号's year is the year of the 成文日期."""
    numbers = [m for u in units if u.kind == "paragraph" and len(u.text) < 80
               for m in [YEAR_NUMBER.search(u.text)] if m]
    dates = [m for u in units if u.kind == "paragraph" for m in [DATE.match(u.text.strip())] if m]
    if not numbers or not dates:
        return _check("D-DOCNO-YEAR", "7.2.5", True, FAIL, "无发文字号或成文日期", "发文字号的年份为成文日期的年份")
    number, written = numbers[0], dates[0]
    ok = number.group(1) == written.group(1)
    return _check("D-DOCNO-YEAR", "7.2.5", ok, FAIL, f"{number.group(0)}；成文日期 {written.group(0)}",
                  "发文字号的年份为成文日期的年份",
                  f"发文字号的年份 {number.group(1)} 与成文日期（{written.group(0)}）的年份不同")


def check_attachments(units: list[Printed]) -> Check:
    """7.3.7: an attachment bound with the document carries its content, not only its title (one that has
    none is 另发, named in the 附件说明 only)."""
    empty, labels = [], 0
    texts = [u for u in units if u.kind != "box" and u.text.strip()]
    for i, unit in enumerate(texts):
        if not LABEL.match(unit.text.strip()):
            continue
        labels += 1
        rest = texts[i + 1:]
        end = next((j for j, u in enumerate(rest) if LABEL.match(u.text.strip())), len(rest))
        if end <= 1:  # the title at most
            empty.append(f"{unit.text.strip()}（{rest[0].text.strip() if rest else '无标题'}）")
    return _check("D-ATTACH-EMPTY", "7.3.7", not empty, FAIL, "；".join(empty) or f"{labels} 个附件均有内容",
                  "附件页有附件内容（空表附表样，或在附件说明中注明另发）",
                  f"附件页只有标题：{'；'.join(empty)}。请附上表样，或在附件说明中注明“另发”" if empty else "")


def content_checks(units: list[Printed]) -> list[Check]:
    return [check_placeholders(units), check_number_year(units), check_attachments(units)]


def _around(text: str, hit: str, room: int = 8) -> str:
    at = text.find(hit)
    return text[max(0, at - room): at + len(hit) + room]
