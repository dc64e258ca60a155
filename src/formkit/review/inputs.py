"""What the secretariat enters for the 综合评议, as a spreadsheet: the everyday-work assessment of each
unit (平时工作, graded by the year's grades or 0–100) and, per designated county, the county's own 乡村振兴
实绩考核 result and whether it saw 规模性返贫 — facts about the county, so one row per county whatever the
number of units assisting it. The result is kept in its own assessment's words (好/较好/一般/较差 …, or a
number), never mapped to the review's grades; only a year's working-group rules turn it into points.
``write_template`` lists every unit and county so that only the assessments are typed in; ``read_inputs``
reads it back, every bad row reported with its place and skipped, the rest kept. It is read with formkit's
hardened reader (``ooxml/workbook.py``, zip and XML limits), like every spreadsheet that comes back filled
in: a filled copy travels by mail like a returned form. A sheet filled in the earlier layout (one row per
unit–county pair, the unit's code first) is read too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from formkit.config import CycleConfig
from formkit.document import Table
from formkit.errors import FormkitError
from formkit.findings import ERROR, Finding, finding
from formkit.forms.cycle import Cycle
from formkit.forms.values import BadValue, normalise_bool, normalise_choice
from formkit.limits import DEFAULT, over
from formkit.ooxml.spreadsheet import save_workbook
from formkit.ooxml.workbook import read_xlsx
from formkit.outputs import append_row
from formkit.store import Store

DAILY, RESULTS = "平时工作", "乡村振兴实绩"
DAILY_HEADERS = ["单位代码", "中央单位", "牵头部门", "平时工作评价（等次或0-100分）", "违纪违规（是/否）", "说明"]
RESULTS_HEADERS = ["定点帮扶县", "帮扶单位", "单位代码", "县乡村振兴实绩考核结果（照考核原等次填写）", "规模性返贫（是/否）",
                   "说明"]
PAIR_LAYOUT = "单位代码"  # the first header of the earlier results layout (unit, unit name, county, ...)


class InputsError(FormkitError):
    """The review input spreadsheet cannot be read at all."""


@dataclass
class Inputs:
    daily: dict[str, str | float] = field(default_factory=dict)  # unit → a grade of the year, or points 0–100
    violation: dict[str, bool] = field(default_factory=dict)  # unit → 违纪违规 found in everyday work
    results: dict[str, str] = field(default_factory=dict)  # county → its 实绩考核 result, in its own words
    return_to_poverty: dict[str, bool] = field(default_factory=dict)  # county → 是/否 as entered (blank: none)
    problems: list[Finding] = field(default_factory=list)  # location: {file, sheet, row}
    source: str = ""


def write_template(store: Store, cycle: Cycle, path: str | Path) -> Path:
    # openpyxl is heavy: loaded only when the blank template is written (reading uses the hardened reader)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    year = cycle.year
    issued = sorted(store.issued(year), key=lambda r: r.recipient.id)
    book = Workbook()
    daily = book.active
    daily.title = DAILY
    append_row(daily, DAILY_HEADERS)
    counties: dict[str, list] = {}
    for item in issued:
        if item.form == "self-assessment":
            append_row(daily, [item.recipient.id, item.recipient.unit, item.lead_department, None, "否", None])
        elif item.form == "county-feedback":
            counties.setdefault(item.recipient.county or "", []).append(item.recipient)
    results = book.create_sheet(RESULTS)
    append_row(results, RESULTS_HEADERS)
    for county, pairs in counties.items():  # 规模性返贫 left blank: a blank is no report, 否 is one
        append_row(results, [county, "、".join(r.unit or "" for r in pairs), "、".join(r.unit_id or "" for r in pairs),
                             None, None, None])
    for sheet, widths in ((daily, (10, 30, 22, 26, 16, 30)), (results, (14, 36, 14, 30, 16, 30))):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for col, width in zip("ABCDEF", widths, strict=True):
            sheet.column_dimensions[col].width = width
    return save_workbook(book, path, cycle.config.coordinator, f"{year}年度综合评议录入表")


def read_inputs(path: str | Path, config: CycleConfig) -> Inputs:
    path = Path(path)
    try:
        too_large = path.stat().st_size > DEFAULT.max_bytes
        book = None if too_large else read_xlsx(path.read_bytes())
    except (OSError, FormkitError) as exc:
        detail = exc.code if isinstance(exc, FormkitError) else exc.__class__.__name__
        raise InputsError("review.inputs-unreadable", f"综合评议录入表无法打开（{detail}），"
                          "请用 Excel 或 WPS 另存为 .xlsx 后重试", {"file": str(path)}) from exc
    if book is None:
        raise InputsError("review.inputs-unreadable", f"综合评议录入表过大（{over('max_bytes')}）", {"file": str(path)})
    sheets = {t.caption: t for t in book.tables}
    out = Inputs(source=path.name)
    for name in (DAILY, RESULTS):
        if name not in sheets:
            out.problems.append(_problem("review.inputs-missing-sheet", f"缺少工作表“{name}”", path, name, None))
            continue
        rows = list(_rows(sheets[name]))
        header = next((cells for n, cells in rows if n == 1), [""])
        county_col = 2 if header[0] == PAIR_LAYOUT else 0
        for n, cells in rows:
            if n < 2 or not any(cells):
                continue
            key = cells[0] if name == DAILY else cells[county_col]
            if not key:
                what = "单位代码" if name == DAILY else "定点帮扶县"
                out.problems.append(_problem("review.inputs-no-unit", f"没有{what}，本行未计入", path, name, n))
                continue
            try:
                problem = _daily(out, key, cells, config) if name == DAILY else _result(out, key, cells)
            except BadValue as exc:
                problem = (exc.code, exc.reason)
            if problem:
                out.problems.append(_problem(problem[0], f"{problem[1]}，本行未计入", path, name, n))
    return out


def _daily(out: Inputs, unit: str, cells: list[str], config: CycleConfig) -> None:
    """A unit's everyday work: a grade of the year (or its variant) kept as the grade, a number 0–100 as is."""
    text, flag = cells[3], normalise_bool(cells[4]) if cells[4] else False
    if text:
        out.daily[unit] = _number(text) if _is_number(text) else normalise_choice(text, config.grades,
                                                                                   config.grade_variants)
    out.violation[unit] = bool(flag)


def _result(out: Inputs, county: str, cells: list[str]) -> tuple[str, str] | None:
    """A county's 实绩考核 result as written (a number checked to be 0–100), and its 规模性返贫 (blank: no
    report). Two rows about one county (the earlier layout has one per pair) that disagree on the result: the
    later is refused."""
    result, flag = cells[3], normalise_bool(cells[4]) if cells[4] else None
    if result and _is_number(result):
        _number(result)
    earlier = out.results.get(county)
    if result and earlier is not None and earlier != result:
        return "review.inputs-county-differs", f"{county}的乡村振兴实绩考核结果与上文不一致（“{earlier}”和“{result}”）"
    if result:
        out.results[county] = result
    if flag is not None:
        out.return_to_poverty[county] = out.return_to_poverty.get(county, False) or bool(flag)
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(text: str) -> float:
    number = float(text)
    if not 0 <= number <= 100:
        raise BadValue("value.out-of-range", f"“{text}”不在0-100分之间")
    return number


def _rows(sheet: Table) -> Iterator[tuple[int, list[str]]]:
    """(the row number Excel shows, the texts of columns A–F) of every row."""
    numbers = sheet.row_numbers or range(1, len(sheet.rows) + 1)
    for number, row in zip(numbers, sheet.rows, strict=False):
        texts = [""] * len(DAILY_HEADERS)
        for i, cell in enumerate(row):
            col = sheet.col_numbers[i] if sheet.col_numbers else i + 1
            if col <= len(texts):
                texts[col - 1] = cell.text.strip()
        yield number, texts


def _problem(code: str, reason: str, path: Path, sheet: str, row: int | None) -> Finding:
    return finding(code, ERROR, reason, location={"file": path.name, "sheet": sheet, "row": row})
