"""Format checks for official documents: the structural checks of gbt9704.md §5.1 on the .docx, and the
measurements of §5.2 on its rendered PDF. Each result is pass, warn (a "normally" or "recommended" rule)
or fail (a mandatory one), with the measured value."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from formkit.convert import convert, soffice
from formkit.gongwen.content import content_checks
from formkit.gongwen.profile import FAIL, WARN, Profile, load_profile
from formkit.gongwen.rendered import rendered_checks
from formkit.gongwen.verdict import Check, _check
from formkit.ooxml.inspect import declared_cover, first_body_text, inspect_docx
from formkit.ooxml.texts import printed_texts

MM = 25.4 / 72  # PDF points → mm
NUMBER = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")
DATE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")


def check_docx(data: bytes, profile: Profile | None = None) -> list[Check]:
    p = profile or load_profile()
    f = inspect_docx(data)
    out: list[Check] = []
    page_ok = abs((f.page["w"] or 0) - p.v("page.width")) <= 2 and abs((f.page["h"] or 0) - p.v("page.height")) <= 2
    out.append(_check("D-PAGE", "5.1", page_ok, FAIL, f"{f.page['w']}×{f.page['h']}", "11906×16838 (A4)",
                      "纸张不是 A4 纵向"))
    m = f.margins
    tol = p["page.type_width"].tolerance
    width = (f.page["w"] or 0) - (m["left"] or 0) - (m["right"] or 0)
    height = (f.page["h"] or 0) - (m["top"] or 0) - (m["bottom"] or 0)
    out.append(_check("D-MARGIN", "5.2.1", abs((m["top"] or 0) - p.v("page.margin_top")) <= tol
                      and abs((m["left"] or 0) - p.v("page.margin_left")) <= tol
                      and abs(width - p.v("page.type_width")) <= tol and abs(height - p.v("page.type_height")) <= tol,
                      FAIL, f"上{m['top']} 左{m['left']} 版心{width}×{height}", "上2098 左1587 版心8844×12756 (±1 mm)",
                      "页边距或版心尺寸不符合 156 mm × 225 mm"))
    grid = f.grid
    bad_grid = grid.get("type") == "linesAndChars" and int(grid.get("charSpace") or 0) < 0
    out.append(_check("D-GRID", "5.2.3", not bad_grid, FAIL, grid or "无", "lines, linePitch 579",
                      "文档网格为 linesAndChars 且字符间距为负：LibreOffice 每行只排 13–14 个字"))
    body = [x for x in f.paragraphs if x.text and x.line_rule is not None and "FF0000" not in x.colors]  # not the mark
    too_loose = [x for x in body if x.line_rule == "exact" and (x.line or 0) > p.v("grid.max_line") and x.text]
    out.append(_check("D-LINE", "5.2.3", not too_loose, FAIL,
                      f"{len(too_loose)} 段行距超过 {p.v('grid.max_line')} twips" if too_loose else "固定行距 ≤ 579",
                      "固定行距 560–579 twips",
                      f"行距过大（如“{too_loose[0].text[:12]}”），每页只能排 21 行" if too_loose else ""))
    indented = [x for x in body if x.first_line and x.first_line not in (630, 640)]
    out.append(_check("D-INDENT", "7.3.3", not indented, WARN, f"{len(indented)} 段首行缩进异常",
                      "首行缩进二字（630 或 640 twips）", "正文段落首行缩进不是两个字"))
    out.append(_check("D-LANG", "5.2.2", f.lang_east_asia == "zh-CN", WARN, f.lang_east_asia, "zh-CN",
                      "默认语言未设为中文（zh-CN）"))
    footers = f.footers
    default, even = footers.get("default", ""), footers.get("even", "")
    pages_ok = f.even_odd and "PAGE" in default and "PAGE" in even and default.endswith("right") and even.endswith("left") \
        and "—" in default and "—" in even and (not f.letter or "PAGE" not in footers.get("first", ""))
    out.append(_check("D-FOOTER", "7.5", pages_ok, FAIL, f"奇偶页不同={f.even_odd} 页脚={sorted(footers)}",
                      "奇数页右、偶数页左，“— N —”", "页码缺失或位置不符合（单页码居右、双页码居左）"))
    texts = [x.text for x in f.paragraphs if x.text]
    numbers = [m.group(0) for t in texts if len(t) < 60
               for m in [re.search(r"[^\s：:\t]+[〔【\[［（(]\d{4}[〕】\]］）)]第?\d+号", t)] if m]
    bad_numbers = [t for t in numbers if not NUMBER.match(t)]
    out.append(_check("D-DOCNO", "7.2.5", not bad_numbers, FAIL, "；".join(numbers) or "无", "XX〔2024〕1号",
                      f"发文字号“{bad_numbers[0]}”应使用六角括号〔〕、序号不加“第”和前导零" if bad_numbers else ""))
    red = [x for x in f.paragraphs if x.bottom_border and (x.bottom_border.get("color") or "").upper() == "FF0000"]
    out.append(_check("D-REDRULE", "10.1" if f.letter else "7.2.7", bool(red) or not numbers or f.letter, FAIL,
                      "信函格式首页双线" if f.letter else ("有" if red else "无"), "发文字号下红色分隔线",
                      "缺少版头红色分隔线"))
    dates = [t for t in texts if re.fullmatch(r"[\d〇零一二三四五六七八九十]{4}年.{1,3}月.{1,3}日", t)]
    bad_dates = [t for t in dates if not DATE.match(t)]
    out.append(_check("D-DATE", "7.3.5.4", not bad_dates, FAIL, "；".join(dates) or "无", "2024年7月1日",
                      f"成文日期“{bad_dates[0]}”应使用阿拉伯数字且不编虚位" if bad_dates else ""))
    return out + content_checks(printed_texts(data))


def check_pdf(path: str | Path, profile: Profile | None = None, first_text: str = "", letter: bool = False,
              imprint: bool = True, docx: bytes | None = None, cover: bool | None = None) -> list[Check]:
    """Measure the rendered pages (pdfplumber, in the PDF layer); ``letter`` for the 信函格式 (10.1); with
    the ``docx`` it was rendered from, also compare the two (:mod:`formkit.gongwen.rendered`). Page 1 may go
    without a number only where the document declares it a cover (``cover``; read from the ``docx`` when
    not given: :func:`declared_cover`)."""
    from formkit.pdf.lines import read_pages  # the PDF stack loads only when a PDF is measured
    from formkit.pdf.measure import measure

    p = profile or load_profile()
    m = measure(path)
    compared = rendered_checks(printed_texts(docx), read_pages(path)) if docx is not None else []
    if letter:
        return _check_letter_pdf(m, p, first_text) + compared
    if cover is None:
        cover = docx is not None and declared_cover(docx)
    skip = 1 if cover and m["page_numbers"] and not m["page_numbers"][0] else 0  # a declared cover, unnumbered
    out: list[Check] = []
    size_ok = all(abs(w - 210) <= 0.5 and abs(h - 297) <= 0.5 for w, h in m["sizes"])
    out.append(_check("P-PAGE", "5.1", size_ok, FAIL, m["sizes"][0], "210×297 mm", "页面不是 A4"))
    out.append(_check("P-LEFT", "5.2.1", abs(m["left"] - 28) <= 1, FAIL, f"{m['left']:.1f} mm", "28 ± 1 mm",
                      "正文左边缘不在版心左侧 28 mm 处"))
    out.append(_check("P-RIGHT", "5.2.1", m["right"] <= 184 + 1 + 5.64, FAIL, f"{m['right']:.1f} mm",
                      "≤ 184 mm（标点可悬挂一字）", "正文超出版心右边缘"))
    full = m["full_pages"]
    lines_ok = all(n == p.v("grid.lines_per_page") for n, _pitch in full) if full else True
    out.append(_check("P-LINES", "5.2.3", lines_ok, WARN, [n for n, _ in full] or "无整页", "每面 22 行",
                      "整页行数不是 22 行"))
    out.append(_check("P-CHARS", "5.2.3", m["max_chars"] <= p.v("grid.chars_per_line") + 1, WARN, m["max_chars"],
                      "每行 28 字", "每行字数超过 28 个"))
    if first_text and not skip:  # behind a cover, page 1 is no 公文 first page
        out.append(_check("P-FIRSTPAGE", "7.3.3", first_text[:6] in m["page1_text"], FAIL, "首页有正文" if first_text[:6]
                          in m["page1_text"] else "首页无正文", "公文首页必须显示正文", "首页没有显示正文"))
    if m["red_rule"]:
        x0, x1, y = m["red_rule"]
        out.append(_check("P-REDRULE", "7.2.7", abs(x1 - x0 - 156) <= 0.5 and abs(x0 - 28) <= 0.5, FAIL,
                          f"{x1 - x0:.1f} mm @ x={x0:.1f}", "156 mm，与版心等宽", "红色分隔线不与版心等宽"))
        if m["docno_bottom"]:
            gap = y - m["docno_bottom"]
            out.append(_check("P-REDRULE-GAP", "7.2.7", abs(gap - 4) <= 1, FAIL, f"{gap:.1f} mm", "4 ± 1 mm",
                              "红色分隔线应在发文字号之下 4 mm"))
    if m["mark_top"] is not None:
        top = m["mark_top"] - 37
        out.append(_check("P-MARK", "7.2.4", abs(top - p.v("head.mark_top_mm")) <= p["head.mark_top_mm"].tolerance, FAIL,
                          f"{top:.1f} mm", "版心下 35 mm", "发文机关标志上边缘应距版心上边缘 35 mm"))
    numbers = m["page_numbers"]
    judged = numbers[skip:]
    pn_ok = bool(numbers) and all(judged)
    shown = f"{sum(judged)}/{len(judged)} 页位置正确" if numbers else "无页码"
    out.append(_check("P-PAGENO", "7.5", pn_ok, FAIL, ("封面无页码，其余 " if skip else "") + shown,
                      "“— N —”，单页右空一字、双页左空一字，版心下约 7 mm", "页码缺失或位置不正确"))
    if imprint and m["imprint_rule"] is not None:
        out.append(_check("P-IMPRINT", "7.4.1", abs(m["imprint_rule"] - 262) <= p["imprint.last_rule_mm"].tolerance,
                          FAIL, f"{m['imprint_rule']:.1f} mm", "262 ± 1 mm", "版记最后一条分隔线应与版心下边缘重合"))
    return out + compared


def _check_letter_pdf(m: dict, p: Profile, first_text: str) -> list[Check]:
    out = [
        _check("P-PAGE", "5.1", all(abs(w - 210) <= 0.5 and abs(h - 297) <= 0.5 for w, h in m["sizes"]), FAIL,
               m["sizes"][0], "210×297 mm", "页面不是 A4"),
        _check("P-LEFT", "5.2.1", abs(m["left"] - 28) <= 1, FAIL, f"{m['left']:.1f} mm", "28 ± 1 mm", "正文左边缘不在 28 mm 处"),
        _check("P-CHARS", "5.2.3", m["max_chars"] <= 29, WARN, m["max_chars"], "每行 28 字", "每行字数超过 28 个"),
    ]
    if first_text:
        out.append(_check("P-FIRSTPAGE", "7.3.3", first_text[:6] in m["page1_text"], FAIL, "", "公文首页必须显示正文",
                          "首页没有显示正文"))
    rules = m["letter_rules"]
    top = [r for r in rules if r[2] < 100]
    bottom = [r for r in rules if r[2] > 200]
    out.append(_check("P-LETTER-RULES", "10.1", bool(top) and bool(bottom) and all(abs(r[1] - r[0] - 170) <= 1 for r in rules)
                      and all(abs(r[2] - 277) <= 1.5 for r in bottom), FAIL,
                      "；".join(f"{r[1] - r[0]:.0f} mm @ {r[2]:.1f} mm" for r in rules) or "无",
                      "首页上下各一条 170 mm 红色双线，下线距页面下边缘 20 mm", "信函格式的红色双线缺失或位置不符"))
    if m["mark_top"] is not None:
        out.append(_check("P-MARK", "10.1", abs(m["mark_top"] - 30) <= 1.5, FAIL, f"{m['mark_top']:.1f} mm",
                          "距页面上边缘 30 mm", "信函格式的发文机关标志应距页面上边缘 30 mm"))
    numbers = m["page_numbers"]
    first = "无" if numbers and not numbers[0] else "有"
    out.append(_check("P-PAGENO", "10.1", bool(numbers) and not numbers[0] and all(numbers[1:]), FAIL,
                      f"首页{first}页码，其余 {sum(numbers[1:])}/{len(numbers) - 1} 页正确",
                      "首页不显示页码", "信函格式首页不应显示页码，其余页码位置应正确"))
    return out


def summarise(checks: list[Check]) -> int:
    """Exit status: 0 when no fail-level check failed."""
    return 1 if any(c.result == FAIL for c in checks) else 0


def check_file(path: str | Path, pdf: str | Path | None = None) -> tuple[list[Check], str]:
    """Structural checks, and the PDF measurements when a PDF is given or LibreOffice can render one."""
    data = Path(path).read_bytes()
    checks = check_docx(data)
    first = first_body_text(data)
    facts = inspect_docx(data)
    letter, imprint = facts.letter, facts.imprint
    if pdf:
        return checks + check_pdf(pdf, first_text=first, letter=letter, imprint=imprint, docx=data), ""
    if soffice() is None:
        return checks, "未安装 LibreOffice：版面测量（P-*）未进行"
    with tempfile.TemporaryDirectory(prefix="formkit-check-") as tmp:
        rendered = convert(path, tmp)
        return checks + check_pdf(rendered, first_text=first, letter=letter, imprint=imprint, docx=data), ""
