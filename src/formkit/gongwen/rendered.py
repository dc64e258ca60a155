"""Checks of the rendered PDF against the .docx it was rendered from: every character printed (paragraph by
paragraph), 主送 and 抄送 lists broken only between organs, 抄送 continuation lines under the first character
after the colon (7.4.2), 附件说明 continuation lines under the attachment's name (7.3.4)."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from formkit.gongwen.lists import split_organ
from formkit.gongwen.profile import FAIL, WARN
from formkit.gongwen.verdict import Check, _check
from formkit.ooxml.texts import Printed

ALIGN_MM = 0.6  # how far a continuation line may stand from where it belongs
LEFT_MM = 28  # the type area's left edge (5.2.1)
ITEM = re.compile(r"^\d+\.")


def _plain(text: str) -> str:
    """Text as compared: no whitespace, compatibility forms folded (a ligature, a full-width letter)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def lost_text(units: list[Printed], pages) -> Check:
    """Each paragraph and cell of the .docx against the PDF's text in reading order: characters the
    renderer dropped (a line-final "、" hung in a justified line's margin, a glyph no font has)."""
    stream = "".join(_plain(block) for page in pages for block in page.blocks)
    lost = []
    for unit in units:
        text = _plain(unit.text)
        if text and text not in stream:
            missing = _missing(text, stream)
            if missing:
                lost.append(f"第{unit.index}段“{unit.text.strip()[:24]}…”缺少“{''.join(missing)[:10]}”")
    return _check("P-LOST-TEXT", "5.2", not lost, FAIL, "；".join(lost[:3]) or "逐段一致",
                  ".docx 的每个字符都出现在 PDF 中", f"PDF 中有 {len(lost)} 段文字缺字：{'；'.join(lost[:3])}")


def _missing(text: str, stream: str) -> list[str]:
    """The characters of ``text`` that the best-matching stretch of ``stream`` lacks."""
    anchor = -1
    for size in (12, 8, 4, 2):
        anchor = stream.find(text[:size]) if len(text) >= size else -1
        if anchor < 0 and len(text) >= size:
            anchor = stream.find(text[-size:])
            anchor = anchor - len(text) if anchor >= 0 else -1
        if anchor >= 0 or len(text) < size:
            break
    window = stream[max(0, anchor):max(0, anchor) + 2 * len(text) + 20] if anchor >= 0 else stream
    matcher = SequenceMatcher(None, text, window, autojunk=False)
    kept = [False] * len(text)
    for block in matcher.get_matching_blocks():
        for i in range(block.a, block.a + block.size):
            kept[i] = True
    return [ch for ch, ok in zip(text, kept, strict=True) if not ok]


def find_lines(pages, text: str) -> list:
    """The PDF lines that print ``text`` (a paragraph), in order; [] when it is not printed as such."""
    target = _plain(text)
    lines = [line for page in pages for line in page.lines]
    for i, line in enumerate(lines):
        got = _plain(line.text)
        if not got or not target.startswith(got):
            continue
        found = [line]
        for nxt in lines[i + 1:]:
            if got == target:
                break
            more = got + _plain(nxt.text)
            if not target.startswith(more):
                break
            got = more
            found.append(nxt)
        if got == target:
            return found
    return []


def _list_texts(units: list[Printed]) -> tuple[str | None, str | None]:
    """The 主送 paragraph (the first one ending with a colon) and the 抄送 of the 版记."""
    recipients = next((u.text for u in units if u.kind == "paragraph" and u.text.strip().endswith("：")
                       and len(u.text.strip()) > 2), None)
    box = next((u.text for u in units if u.kind == "box" and "抄送：" in u.text), None)
    copies = None
    if box:
        start = box.index("抄送：")
        end = box.find("。", start)
        copies = box[start:end + 1 if end >= 0 else len(box)]
    return recipients, copies


def names_unsplit(units: list[Printed], pages) -> Check:
    """7.3.2, 7.4.2: 主送 and 抄送 lines break between organs, never inside an organ's name."""
    split, seen = [], []
    for name, text in zip(("主送", "抄送"), _list_texts(units), strict=True):
        lines = find_lines(pages, text) if text else []
        if name == "主送" and (not lines or lines[0].x0 > LEFT_MM + ALIGN_MM):
            continue  # no 主送 (a paragraph ending with a colon that is indented is the body's)
        if not text:
            continue
        seen.append(name if lines else f"{name}（PDF 中未找到）")
        texts = [ln.text.replace(" ", "") for ln in lines]
        split += [f"{name}“{texts[i][-5:]} / {texts[i + 1][:3]}”" for i in split_organ(texts)]
    missing = any("未找到" in s for s in seen)
    return _check("P-NAME-SPLIT", "7.4.2", not split and not missing, FAIL if split else WARN,
                  "；".join(split) or "、".join(seen) or "无主送、抄送", "机关名称不跨行拆开",
                  f"机关名称被拆在两行：{'；'.join(split)}" if split else "主送或抄送在 PDF 中未找到，无法检查")


def copies_aligned(units: list[Printed], pages) -> Check:
    """7.4.2: 抄送 continuation lines start under the first character after “抄送：”."""
    _recipients, copies = _list_texts(units)
    lines = find_lines(pages, copies) if copies else []
    if len(lines) < 2:
        return _check("P-COPYTO-ALIGN", "7.4.2", True, FAIL, "抄送只有一行" if copies else "无抄送",
                      "回行与冒号后的首字对齐")
    first = lines[0].chars
    colon = next((i for i, c in enumerate(first) if c.text in "：:"), None)
    target = first[colon + 1].x0 if colon is not None and colon + 1 < len(first) else first[0].x0
    off = [round(ln.x0 - target, 1) for ln in lines[1:] if abs(ln.x0 - target) > ALIGN_MM]
    return _check("P-COPYTO-ALIGN", "7.4.2", not off, FAIL,
                  f"回行偏差 {off} mm" if off else f"回行起于 {target:.1f} mm", f"回行起于冒号后首字（{target:.1f} mm）",
                  "抄送回行没有与冒号后的首字对齐")


def attachment_note_aligned(units: list[Printed], pages) -> Check:
    """7.3.4: 附件说明 continuation lines start under the first character of the attachment's name; the
    items' numbers stand one under the other."""
    items = _note_items(units)
    if not items:
        return _check("P-ATTACH-ALIGN", "7.3.4", True, FAIL, "无附件说明", "回行与附件名称首字对齐")
    wrong, number_x = [], None
    for n, text in enumerate(items):
        lines = find_lines(pages, text)
        if not lines:
            wrong.append(f"“{text[:10]}…”在 PDF 中未找到")
            continue
        chars = lines[0].chars
        start = 3 if n == 0 else 0  # after 附件：
        label = ITEM.match("".join(c.text for c in chars[start:]))
        if label:
            if number_x is None:
                number_x = chars[start].x0
            elif abs(chars[start].x0 - number_x) > ALIGN_MM:
                wrong.append(f"序号“{label.group(0)}”偏 {chars[start].x0 - number_x:.1f} mm")
            start += len(label.group(0))
        name_x = chars[min(start, len(chars) - 1)].x0
        wrong += [f"“{ln.text[:6]}”偏 {ln.x0 - name_x:.1f} mm" for ln in lines[1:] if abs(ln.x0 - name_x) > ALIGN_MM]
    return _check("P-ATTACH-ALIGN", "7.3.4", not wrong, FAIL, "；".join(wrong) or f"{len(items)} 项对齐",
                  "回行与附件名称首字对齐，序号上下对齐", f"附件说明回行没有对齐：{'；'.join(wrong)}")


def _note_items(units: list[Printed]) -> list[str]:
    """The 附件说明's paragraphs: the one starting 附件： and the numbered items right after it."""
    texts = [u.text for u in units if u.kind == "paragraph"]
    start = next((i for i, t in enumerate(texts) if t.startswith("附件：")), None)
    if start is None:
        return []
    items = [texts[start]]
    for text in texts[start + 1:]:
        if not ITEM.match(text):
            break
        items.append(text)
    return items


def rendered_checks(units: list[Printed], pages) -> list[Check]:
    return [lost_text(units, pages), names_unsplit(units, pages), copies_aligned(units, pages),
            attachment_note_aligned(units, pages)]
