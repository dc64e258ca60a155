"""An .xlsx package → the format-neutral :class:`formkit.document.SourceDocument`: every sheet one table (its
used range as a grid), the sheet name as the caption. Read with formkit's own zip limits and safe XML parser
(never openpyxl on untrusted files); shared and inline strings, numbers, booleans, and dates stored as serial
numbers with a date format (shown as ``2026年3月31日``, as a person typed them)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from formkit.document import Cell, SourceDocument, Table
from formkit.limits import DEFAULT, Limits
from formkit.ooxml.document import _producer
from formkit.ooxml.package import Package, PackageError

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
DATE_FORMATS = set(range(14, 23)) | {27, 30, 36, 45, 46, 47, 50, 57, 58}  # built-in date and time formats
MAX_CELLS = 200_000


def is_workbook(package: Package) -> bool:
    return any(t.startswith("xl/") or t.endswith("workbook.xml") for _i, _t, t in package.rels(""))


def read_xlsx(data: bytes, limits: Limits = DEFAULT) -> SourceDocument:
    package = Package(data, limits)
    main = package.main_part()
    book = package.xml(main)
    strings = _shared_strings(package, main)
    date_styles = _date_styles(package, main)
    targets = {rid: t for rid, _type, t in package.rels(main)}
    tables, texts, footers, cells = [], [], [], 0
    for number, sheet in enumerate(book.iter(S + "sheet"), start=1):
        target = targets.get(sheet.get(R + "id") or "")
        if not target or not package.has(target):
            continue
        root = package.xml(target)
        grid: dict[tuple[int, int], str] = {}
        for c in root.iter(S + "c"):
            cells += 1
            if cells > MAX_CELLS:
                raise PackageError("xlsx.too-many-cells", f"工作簿的单元格超过 {MAX_CELLS} 个的上限", {"part": target})
            ref = _REF.match(c.get("r") or "")
            if not ref:
                continue
            text = _value(c, strings, date_styles)
            if text:
                grid[(int(ref.group(2)) - 1, _column(ref.group(1)))] = text
        footers += [t for t in (root.findtext(f"{S}headerFooter/{S}oddFooter") or "",) if t]
        name = sheet.get("name") or f"Sheet{number}"
        rows = max((r for r, _c in grid), default=-1) + 1
        cols = max((c for _r, c in grid), default=-1) + 1
        table_rows = [[Cell(grid.get((r, c), ""), r, c) for c in range(cols)] for r in range(rows)]
        tables.append(Table(number, table_rows, caption=name))
        texts.append(name + "\n" + "\n".join("\t".join(c.text for c in row) for row in table_rows))
    properties = package.custom_properties()
    return SourceDocument(format="xlsx", tables=tables, text_source="\n".join(texts), footer_text=" ".join(footers),
                          properties=properties, producer=_producer(package, properties),
                          macros=any(n.lower().endswith("vbaproject.bin") for n in package.names()))


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
            custom = {int(f.get("numFmtId", "0")) for f in root.iter(S + "numFmt")
                      if re.search(r"[yd]|m+[^a-z]*d", re.sub(r'"[^"]*"|\[[^]]*]', "", (f.get("formatCode") or "").lower()))}
            xfs = root.find(S + "cellXfs")
            return {i for i, xf in enumerate(xfs if xfs is not None else [])
                    if int(xf.get("numFmtId", "0")) in DATE_FORMATS | custom}
    return set()


def _value(c, strings: list[str], date_styles: set[int]) -> str:
    kind = c.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in c.iter(S + "t")).strip()
    raw = c.findtext(S + "v")
    if raw is None:
        return ""
    if kind == "s":
        try:
            return strings[int(raw)].strip()
        except (ValueError, IndexError):
            return ""
    if kind == "b":
        return "是" if raw.strip() == "1" else "否"
    if kind == "n" and int(c.get("s", "0")) in date_styles:
        try:
            day = date(1899, 12, 30) + timedelta(days=int(float(raw)))
            return f"{day.year}年{day.month}月{day.day}日"
        except (ValueError, OverflowError):
            return raw
    if kind == "n":
        try:
            number = float(raw)
        except ValueError:
            return raw.strip()
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(round(number, 6))
    return raw.strip()
