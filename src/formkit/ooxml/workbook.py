"""An .xlsx package → the format-neutral :class:`formkit.document.SourceDocument`: every sheet one table, the
sheet name as the caption. Read with formkit's own zip limits and safe XML parser (never openpyxl on untrusted
files); shared and inline strings, numbers, booleans, and dates stored as serial numbers with a date format
(shown as ``2026年3月31日``, as a person typed them).

Cells are collected sparsely (only the cells present) and the grid is then laid out with every run of empty
rows or columns collapsed to one, so a legal far address (one cell at ``A1048576``) costs one row, not a
million; the row and column numbers a person sees in Excel are kept for the findings. A grid still larger
than the limits is refused before it is allocated (``xlsx.range-too-large``). A cell or style whose index is
not a number, or points nowhere, is refused with its address (``xlsx.bad-cell``, ``xlsx.bad-style``)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from formkit.document import Cell, SourceDocument, Table
from formkit.limits import DEFAULT, Limits, over
from formkit.ooxml.document import _producer
from formkit.ooxml.package import Package, PackageError

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})$")
DATE_FORMATS = set(range(14, 23)) | {27, 30, 36, 45, 46, 47, 50, 57, 58}  # built-in date and time formats
MAX_ROW, MAX_COL = 1_048_576, 16_384  # Excel's grid
LAST_SERIAL = 2_958_465  # 9999-12-31, the last date Excel shows


def read_xlsx(data: bytes, limits: Limits = DEFAULT) -> SourceDocument:
    package = Package(data, limits)
    main = package.main_part()
    book = package.xml(main)
    strings = _shared_strings(package, main)
    date_styles = _date_styles(package, main)
    targets = {rid: t for rid, _type, t in package.rels(main)}
    tables, texts, footers, cells, positions = [], [], [], 0, 0
    for number, sheet in enumerate(book.iter(S + "sheet"), start=1):
        target = targets.get(sheet.get(R + "id") or "")
        if not target or not package.has(target):
            continue
        root = package.xml(target)
        found: dict[tuple[int, int], str] = {}
        for c in root.iter(S + "c"):
            cells += 1
            if cells > limits.sheet_cells:
                raise PackageError("xlsx.too-many-cells", f"工作簿的单元格过多，超过上限（{over('sheet_cells', limits)}）",
                                   {"part": target})
            ref = _REF.match(c.get("r") or "")
            if not ref:
                continue
            row, col = int(ref.group(2)) - 1, _column(ref.group(1))
            if not (0 <= row < MAX_ROW and 0 <= col < MAX_COL):
                continue  # not an address Excel has: Excel would not show it
            text = _value(c, strings, date_styles, target)
            if text:
                found[(row, col)] = text
        footers += [t for t in (root.findtext(f"{S}headerFooter/{S}oddFooter") or "",) if t]
        name = sheet.get("name") or f"Sheet{number}"
        row_numbers = _collapsed({r for r, _c in found})
        col_numbers = _collapsed({c for _r, c in found})
        positions += len(row_numbers) * len(col_numbers)
        if len(col_numbers) > limits.grid_columns or positions > limits.grid_cells:
            raise PackageError("xlsx.range-too-large",
                               f"工作表“{name}”的使用区域过大（去掉空行空列后仍有 {len(row_numbers)} 行 × "
                               f"{len(col_numbers)} 列），超过上限（{over('grid_columns', limits)}，"
                               f"{over('grid_cells', limits)}）", {"part": target, "sheet": name})
        row_index = {n: i for i, n in enumerate(row_numbers)}
        col_index = {n: i for i, n in enumerate(col_numbers)}
        grid = {(row_index[r], col_index[c]): text for (r, c), text in found.items()}
        table_rows = [[Cell(grid.get((r, c), ""), r, c) for c in range(len(col_numbers))]
                      for r in range(len(row_numbers))]
        tables.append(Table(number, table_rows, caption=name, row_numbers=[n + 1 for n in row_numbers],
                            col_numbers=[n + 1 for n in col_numbers]))
        texts.append(name + "\n" + "\n".join("\t".join(c.text for c in row) for row in table_rows))
    properties = package.custom_properties()
    document = SourceDocument(format="xlsx", tables=tables, text_source="\n".join(texts),
                              footer_text=" ".join(footers), properties=properties,
                              producer=_producer(package, properties),
                              macros=any(n.lower().endswith("vbaproject.bin") for n in package.names()))
    package.refuse_dtds()
    return document


def _collapsed(used: set[int]) -> list[int]:
    """The 0-based numbers of the rows (or columns) a grid keeps: every used one from the first (0) to the
    last, with each run of unused ones in between (and before the first used one) kept as its first."""
    kept: list[int] = []
    previous = -1
    for n in sorted(used):
        if n > previous + 1:
            kept.append(previous + 1)  # the gap, as one empty row or column
        kept.append(n)
        previous = n
    return kept


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _shared_strings(package: Package, main: str) -> list[str]:
    for _id, rtype, target in package.rels(main):
        if rtype.endswith("/sharedStrings") and package.has(target):
            return ["".join(t.text or "" for t in si.iter(S + "t") if _not_phonetic(t, si))
                    for si in package.xml(target).iter(S + "si")]
    return []


def _not_phonetic(t, si) -> bool:
    parent = t.getparent()
    return parent is si or parent.tag == S + "r"


def _date_styles(package: Package, main: str) -> set[int]:
    """Indexes of the cell styles whose number format is a date."""
    for _id, rtype, target in package.rels(main):
        if rtype.endswith("/styles") and package.has(target):
            root = package.xml(target)
            custom = {_index(f.get("numFmtId", "0"), "xlsx.bad-style", target)
                      for f in root.iter(S + "numFmt")
                      if re.search(r"[yd]|m+[^a-z]*d", re.sub(r'"[^"]*"|\[[^]]*]', "", (f.get("formatCode") or "").lower()))}
            xfs = root.find(S + "cellXfs")
            return {i for i, xf in enumerate(xfs if xfs is not None else [])
                    if _index(xf.get("numFmtId", "0"), "xlsx.bad-style", target) in DATE_FORMATS | custom}
    return set()


def _index(text: str, code: str, part: str, cell: str = "") -> int:
    """A non-negative index written in the file; anything else refuses the file with ``code``."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        where = f"单元格 {cell} 的" if cell else ""
        what = "样式编号" if code == "xlsx.bad-style" else "内容编号"
        raise PackageError(code, f"工作簿已损坏：{where}{what}“{text[:20]}”不是有效的编号", {"part": part, "cell": cell})
    return int(value)


def _value(c, strings: list[str], date_styles: set[int], part: str) -> str:
    kind = c.get("t", "n")
    ref = c.get("r") or ""
    style = _index(c.get("s", "0"), "xlsx.bad-style", part, ref)
    if kind == "inlineStr":
        return "".join(t.text or "" for t in c.iter(S + "t")).strip()
    raw = c.findtext(S + "v")
    if raw is None:
        return ""
    if kind == "s":
        index = _index(raw, "xlsx.bad-cell", part, ref)
        if index >= len(strings):
            raise PackageError("xlsx.bad-cell", f"工作簿已损坏：单元格 {ref} 引用的共享文字 {index} 不存在",
                               {"part": part, "cell": ref})
        return strings[index].strip()
    if kind == "b":
        return "是" if raw.strip() == "1" else "否"
    if kind == "n" and style in date_styles:
        return _date(raw)
    if kind == "n":
        try:
            number = float(raw)
        except ValueError:
            return raw.strip()
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(round(number, 6))
    return raw.strip()


def _date(raw: str) -> str:
    """A date serial as a person sees it; one Excel cannot show as a date (below 1, beyond 9999, not a
    number) stays the number it is, so it is never read as a date."""
    try:
        serial = float(raw)
    except ValueError:
        return raw.strip()
    if not 1 <= serial <= LAST_SERIAL:
        return raw.strip()
    day = date(1899, 12, 30) + timedelta(days=int(serial))
    return f"{day.year}年{day.month}月{day.day}日"
