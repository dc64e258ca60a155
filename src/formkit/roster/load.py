"""Read a roster from CSV files or an XLSX workbook, checking every row.

A roster is two tables: units (编号, 单位名称, 单位类别) and pairs (单位名称, 定点帮扶县, 县代码, 所属省份,
是否重点帮扶县, optional attributes). As CSV they are ``units.csv`` and ``pairs.csv`` in one folder; as
XLSX they are the sheets ``单位`` and ``帮扶关系`` (or ``units`` and ``pairs``). Headers may be Chinese or
English. Rows are numbered as the spreadsheet shows them (header = row 1).
An XLSX roster is opened with openpyxl, not the hardened reader: it is the secretariat's own file, never one
that came back from outside.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from formkit.config import CycleConfig, load_config
from formkit.errors import RosterError
from formkit.roster.model import County, Pair, Roster, Unit

# column key → accepted headers (first is the one formkit writes)
UNIT_COLUMNS = {
    "id": ("编号", "单位编号", "id", "unit_id"),
    "name": ("单位名称", "name", "unit"),
    "category": ("单位类别", "category"),
}
PAIR_COLUMNS = {
    "unit": ("单位名称", "unit", "unit_name"),
    "county": ("定点帮扶县", "县", "county"),
    "county_code": ("县代码", "行政区划代码", "county_code"),
    "province": ("所属省份", "省份", "province"),
    "key_county": ("是否重点帮扶县", "国家乡村振兴重点帮扶县", "key_county"),
}
# Optional county attributes seen in practice, kept as (label, value) pairs.
COUNTY_ATTRIBUTES = {
    "三区三州": ("三区三州", "three_areas"),
    "边境县": ("边境县", "border"),
    "民族地区": ("民族地区", "ethnic"),
}
# The longest text accepted per column, in characters: the working group's choice, a few times the longest
# real name (central units reach about 25 characters, counties 15, provinces 8), so that a name always fits a
# form's cell, a file name and the store. Longer is refused with ``roster.too-long`` and its row.
MAX_CHARS = {"id": 20, "name": 60, "unit": 60, "county": 30, "county_code": 20, "province": 20, "attribute": 20}
REQUIRED_UNIT = ("name", "category")
REQUIRED_PAIR = ("unit", "county", "province", "key_county")
SHEETS = {"units": ("单位", "units"), "pairs": ("帮扶关系", "pairs")}
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "☑", "重点"}
FALSE = {"否", "n", "no", "false", "0", "", "×", "☐"}


def load_roster(path: str | Path, year: int | None = None, config: CycleConfig | None = None) -> Roster:
    """Load and check a roster. Raises the first :class:`RosterError`, its ``others`` holding the rest."""
    path = Path(path)
    config = config or load_config(year)
    units_rows, pairs_rows, names = _tables(path)
    problems: list[RosterError] = []
    units = _units(units_rows, names["units"], config, problems)
    counties, pairs = _pairs(pairs_rows, names["pairs"], units, problems)
    if problems:
        first = problems[0]
        first.others = problems[1:]
        raise first
    warnings = [f"单位“{u.name}”在帮扶关系表中没有定点帮扶县" for u in units.values()
                if not any(p.unit.id == u.id for p in pairs)]
    return Roster(list(units.values()), list(counties.values()), pairs, warnings)


Row = tuple[int, dict[str, str]]


def _tables(path: Path) -> tuple[list[Row], list[Row], dict[str, str]]:
    if not path.exists():
        raise RosterError("roster.not-found", "找不到名单文件或文件夹", {"file": str(path)})
    if path.suffix.lower() == ".xlsx":
        return _xlsx(path)
    folder = path.parent if path.is_file() else path
    files = {kind: folder / f"{kind}.csv" for kind in ("units", "pairs")}
    for kind, file in files.items():
        if not file.is_file():
            raise RosterError("roster.not-found", f"名单文件夹中缺少 {kind}.csv", {"file": str(folder)})
    return _csv(files["units"]), _csv(files["pairs"]), {k: f.name for k, f in files.items()}


def _csv(file: Path) -> list[Row]:
    data = file.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterError("roster.bad-encoding", "无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV", {"file": file.name})
    return list(_rows(csv.reader(text.splitlines())))


def _xlsx(path: Path) -> tuple[list[Row], list[Row], dict[str, str]]:
    from openpyxl import load_workbook  # openpyxl is heavy: loaded only for a roster given as XLSX (CSV needs none)

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise RosterError("roster.unreadable", f"无法打开该 Excel 文件：{exc}", {"file": path.name}) from exc
    found: dict[str, list[Row]] = {}
    names: dict[str, str] = {}
    for kind, candidates in SHEETS.items():
        sheet = next((book[n] for n in candidates if n in book.sheetnames), None)
        if sheet is None:
            raise RosterError("roster.missing-sheet", f"缺少工作表“{candidates[0]}”", {"file": path.name})
        found[kind] = list(_rows([["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]))
        names[kind] = f"{path.name}[{sheet.title}]"
    book.close()
    return found["units"], found["pairs"], names


def _rows(raw: Iterable[list[str]]) -> Iterator[Row]:
    rows = iter(raw)
    header = [_clean(h) for h in next(rows, [])]
    for number, values in enumerate(rows, start=2):
        cells = [_clean(v) for v in values]
        if not any(cells):
            continue
        yield number, {header[i]: cells[i] if i < len(cells) else "" for i in range(len(header)) if header[i]}


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    if text.endswith(".0") and text[:-2].isdigit():  # Excel numbers: 510123.0
        text = text[:-2]
    return text.replace("\u3000", " ").replace("\n", " ").strip()


def _pick(row: dict[str, str], headers: tuple[str, ...]) -> str | None:
    for h in headers:
        if h in row:
            return row[h]
    return None


def _check_columns(rows: list[Row], spec: dict, required: tuple[str, ...], file: str) -> None:
    if not rows:
        return
    present = set(rows[0][1])
    for key in required:
        if not present & set(spec[key]):
            raise RosterError("roster.missing-column", f"缺少“{spec[key][0]}”列", {"file": file, "row": 1})


def _units(rows: list[Row], file: str, config: CycleConfig, problems: list[RosterError]) -> dict[str, Unit]:
    if not rows:
        raise RosterError("roster.empty", "单位表中没有任何单位", {"file": file})
    _check_columns(rows, UNIT_COLUMNS, REQUIRED_UNIT, file)
    units: dict[str, Unit] = {}
    ids: set[str] = set()
    for number, row in rows:
        name, category = _pick(row, UNIT_COLUMNS["name"]) or "", _pick(row, UNIT_COLUMNS["category"]) or ""
        uid = _pick(row, UNIT_COLUMNS["id"]) or f"U{number - 1:03d}"
        where = {"file": file, "row": number}
        if not name:
            problems.append(RosterError("roster.missing-value", "单位名称为空", {**where, "column": "单位名称"}))
            continue
        if _too_long({"id": uid, "name": name}, UNIT_COLUMNS, where, problems):
            continue
        cat = config.category(category)
        if cat is None:
            problems.append(RosterError(
                "roster.unknown-category",
                f"单位类别“{category}”不在本年度配置的类别中（{'、'.join(config.category_names)}）",
                {**where, "column": "单位类别"},
            ))
            continue
        if name in units or uid in ids:
            problems.append(RosterError(
                "roster.duplicate-unit", f"单位“{name}”（编号 {uid}）重复出现", {**where, "column": "单位名称"}
            ))
            continue
        ids.add(uid)
        units[name] = Unit(id=uid, name=name, category=cat.name, lead=cat.lead)
    return units


def _pairs(rows: list[Row], file: str, units: dict[str, Unit],
           problems: list[RosterError]) -> tuple[dict[str, County], list[Pair]]:
    _check_columns(rows, PAIR_COLUMNS, REQUIRED_PAIR, file)
    counties: dict[str, County] = {}
    pairs: list[Pair] = []
    seen: set[tuple[str, str]] = set()
    for number, row in rows:
        where = {"file": file, "row": number}
        values = {k: _pick(row, h) or "" for k, h in PAIR_COLUMNS.items()}
        missing = [PAIR_COLUMNS[k][0] for k in REQUIRED_PAIR if k != "key_county" and not values[k]]
        if missing:
            problems.append(RosterError("roster.missing-value", f"“{'、'.join(missing)}”为空", where))
            continue
        attrs = tuple((label, v) for label, headers in COUNTY_ATTRIBUTES.items() if (v := _pick(row, headers)))
        if _too_long({**values, **{label: v for label, v in attrs}}, PAIR_COLUMNS, where, problems):
            continue
        unit = units.get(values["unit"])
        if unit is None:
            problems.append(RosterError(
                "roster.unknown-unit", f"单位“{values['unit']}”不在单位表中", {**where, "column": "单位名称"}
            ))
            continue
        flag = values["key_county"].lower()
        if flag not in TRUE | FALSE:
            problems.append(RosterError(
                "roster.invalid-value", f"“是否重点帮扶县”应填“是”或“否”，现为“{values['key_county']}”",
                {**where, "column": "是否重点帮扶县"},
            ))
            continue
        code = values["county_code"] or _derived_code(values["province"], values["county"])
        county = County(code, values["county"], values["province"], flag in TRUE, attrs)
        known = counties.get(code)
        if known is not None and (known.name, known.province, known.key_county) != (
                county.name, county.province, county.key_county):
            problems.append(RosterError(
                "roster.inconsistent-county",
                f"县代码 {code} 在前面的行中是“{known.province}{known.name}”（重点县：{'是' if known.key_county else '否'}），"
                "此行与之不一致",
                where,
            ))
            continue
        county = known or county
        counties[code] = county
        if (unit.id, code) in seen:
            problems.append(RosterError(
                "roster.duplicate-pair", f"“{unit.name}—{county.name}”的帮扶关系重复出现", where
            ))
            continue
        seen.add((unit.id, code))
        pairs.append(Pair(unit, county))
    return counties, pairs


def _too_long(values: dict[str, str], columns: dict, where: dict, problems: list[RosterError]) -> bool:
    """Refuse every value of the row longer than :data:`MAX_CHARS` allows; True when there was one."""
    found = False
    for key, value in values.items():
        limit = MAX_CHARS.get(key, MAX_CHARS["attribute"] if key in COUNTY_ATTRIBUTES else None)
        if limit is not None and len(value) > limit:
            label = columns[key][0] if key in columns else key
            problems.append(RosterError(
                "roster.too-long", f"“{label}”超过{limit}个字符（现为{len(value)}个），请核对或改用规范简称",
                {**where, "column": label}))
            found = True
    return found


def _derived_code(province: str, county: str) -> str:
    """A stable code for a county given without 行政区划代码: its province and name."""
    return "X" + hashlib.sha256(f"{province}/{county}".encode()).hexdigest()[:6].upper()
