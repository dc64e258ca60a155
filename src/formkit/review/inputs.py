"""What the secretariat enters for the 综合评议, as a spreadsheet: the everyday-work assessment of each
unit (平时工作) and the designated counties' own rural-revitalisation results (乡村振兴实绩考核).
``write_template`` lists every unit and pair so that only the assessments are typed in; ``read_inputs``
reads it back, every bad row reported with its place and skipped, the rest kept. It is read with formkit's
hardened reader (``ooxml/workbook.py``, zip and XML limits), like every spreadsheet that comes back filled
in: a filled copy travels by mail like a returned form."""

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
from formkit.ooxml.workbook import read_xlsx
from formkit.outputs import append_row, save
from formkit.store import Store

DAILY, RESULTS = "平时工作", "乡村振兴实绩"
DAILY_HEADERS = ["单位代码", "中央单位", "牵头部门", "平时工作评价（等次或0-100分）", "违纪违规（是/否）", "说明"]
RESULTS_HEADERS = ["单位代码", "中央单位", "定点帮扶县", "县乡村振兴实绩考核等次", "规模性返贫（是/否）", "说明"]


class InputsError(FormkitError):
    """The review input spreadsheet cannot be read at all."""


@dataclass
class Inputs:
    daily: dict[str, float] = field(default_factory=dict)  # unit → points
    violation: dict[str, bool] = field(default_factory=dict)
    results: dict[str, list[float]] = field(default_factory=dict)  # unit → points of its counties' results
    return_to_poverty: dict[str, list[str]] = field(default_factory=dict)  # unit → counties
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
    for item in issued:
        if item.form == "self-assessment":
            append_row(daily, [item.recipient.id, item.recipient.unit, item.lead_department, None, "否", None])
    results = book.create_sheet(RESULTS)
    append_row(results, RESULTS_HEADERS)
    for item in issued:
        if item.form == "county-feedback":
            append_row(results, [item.recipient.unit_id, item.recipient.unit, item.recipient.county, None, "否", None])
    for sheet in (daily, results):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for col, width in zip("ABCDEF", (10, 30, 22, 26, 16, 30), strict=True):
            sheet.column_dimensions[col].width = width
    return save(book, path)


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
    points = dict(zip(config.grades, config.review.points, strict=True))
    for name in (DAILY, RESULTS):
        if name not in sheets:
            out.problems.append(_problem("review.inputs-missing-sheet", f"缺少工作表“{name}”", path, name, None))
            continue
        for n, cells in _rows(sheets[name]):
            if not any(cells):
                continue
            unit = cells[0]
            if not unit:
                out.problems.append(_problem("review.inputs-no-unit", "没有单位代码，本行未计入", path, name, n))
                continue
            try:
                value = _points(cells[3], config, points)
                flag = normalise_bool(cells[4]) if cells[4] else False
            except BadValue as exc:
                out.problems.append(_problem(exc.code, f"{exc.reason}，本行未计入", path, name, n))
                continue
            if name == DAILY:
                if value is not None:
                    out.daily[unit] = value
                out.violation[unit] = bool(flag)
            else:
                if value is not None:
                    out.results.setdefault(unit, []).append(value)
                if flag:
                    out.return_to_poverty.setdefault(unit, []).append(cells[2])
    return out


def _rows(sheet: Table) -> Iterator[tuple[int, list[str]]]:
    """(the row number Excel shows, the texts of columns A–F) of every row below the header."""
    numbers = sheet.row_numbers or range(1, len(sheet.rows) + 1)
    for number, row in zip(numbers, sheet.rows, strict=False):
        if number < 2:
            continue
        texts = [""] * len(DAILY_HEADERS)
        for i, cell in enumerate(row):
            col = sheet.col_numbers[i] if sheet.col_numbers else i + 1
            if col <= len(texts):
                texts[col - 1] = cell.text.strip()
        yield number, texts


def _points(text: str, config: CycleConfig, points: dict[str, float]) -> float | None:
    """A grade (or a variant) → its points; a number 0–100 → itself; blank → None."""
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return points[normalise_choice(text, config.grades, config.grade_variants)]
    if not 0 <= number <= 100:
        raise BadValue("value.out-of-range", f"“{text}”不在0-100分之间")
    return number


def _problem(code: str, reason: str, path: Path, sheet: str, row: int | None) -> Finding:
    return finding(code, ERROR, reason, location={"file": path.name, "sheet": sheet, "row": row})
