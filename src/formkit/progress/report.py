"""The progress across the year (``formkit progress``): per unit and per category, each quarter's figures,
the change since the quarter before, the responsibility-letter completion, and who has not reported; as a
spreadsheet for lead departments."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from formkit.config import load_config
from formkit.evaluation.ledgers import FORM, PROGRESS, Ledger, ledgers
from formkit.forms.cycle import Cycle
from formkit.forms.measures import MEASURES, carried
from formkit.ooxml.spreadsheet import save_workbook
from formkit.outputs import append_row
from formkit.store import Store


@dataclass
class UnitProgress:
    unit_id: str
    unit: str
    category: str
    quarters: dict[int, dict[str, float]] = field(default_factory=dict)  # quarter → measure → figure
    completion: dict[int, float | None] = field(default_factory=dict)
    reported: dict[int, bool] = field(default_factory=dict)  # quarter → returned (when it was issued)

    def counted(self, quarter: int) -> int | None:
        """The quarter whose ledger counts for ``quarter``: its own, or the latest earlier one
        (``forms.measures.carried``); None when the unit has reported none yet."""
        found = carried(self.quarters, quarter)
        return found[0] if found else None

    def latest(self, quarter: int, measure: str) -> float:
        """The figure that counts for ``quarter`` (0 when the unit has reported nothing yet)."""
        q = self.counted(quarter)
        return 0.0 if q is None else self.quarters[q].get(measure, 0.0)

    def change(self, quarter: int, measure: str) -> float | None:
        """Since the quarter before (the first quarter: since the start of the year)."""
        now = self.quarters.get(quarter, {}).get(measure)
        if now is None:
            return None
        before = 0.0 if quarter == 1 else self.quarters.get(quarter - 1, {}).get(measure)
        return None if before is None else round(now - before, 2)


@dataclass
class Progress:
    year: int
    quarter: int  # the quarter the report is about
    units: list[UnitProgress]
    categories: list[str]

    def category_total(self, category: str, quarter: int, measure: str) -> float:
        """The category's cumulative figure at the end of ``quarter``; a unit that has not returned that
        quarter's ledger counts with its latest earlier one (else a late ledger would look like a drop)."""
        return round(sum(u.latest(quarter, measure) for u in self.units if u.category == category), 2)

    def reporting(self, category: str, quarter: int) -> tuple[int, int]:
        mine = [u for u in self.units if u.category == category and quarter in u.reported]
        return sum(1 for u in mine if u.reported[quarter]), len(mine)

    def missing(self, quarter: int) -> list[UnitProgress]:
        return [u for u in self.units if u.reported.get(quarter) is False]


def progress(store: Store, cycle: Cycle, quarter: int | None = None) -> Progress:
    year, config = cycle.year, cycle.config
    by_lead = {c.lead: c.name for c in config.categories}
    found = ledgers(store, year)
    units: dict[str, UnitProgress] = {}
    for item in sorted(store.issued(year), key=lambda r: r.recipient.id):
        if item.form != FORM:
            continue
        unit_id, q = item.recipient.unit_id, item.recipient.quarter
        if not unit_id or not q:
            continue
        u = units.setdefault(unit_id, UnitProgress(unit_id, item.recipient.unit or unit_id,
                                                   by_lead.get(item.lead_department or "", "")))
        u.reported[q] = (unit_id, q) in found
    for (unit_id, q), ledger in found.items():
        u = units.get(unit_id) or units.setdefault(unit_id, UnitProgress(unit_id, ledger.unit, ""))
        u.quarters[q] = _figures(ledger)
        u.completion[q] = ledger.completion.rate
    last = quarter or max((q for u in units.values() for q in (*u.quarters, *u.reported)), default=1)
    order = [c.name for c in config.categories]
    return Progress(year, last, sorted(units.values(), key=lambda u: (order.index(u.category) if u.category in order
                                                                        else 99, u.unit_id)),
                    [c for c in order if any(u.category == c for u in units.values())])


def _figures(ledger: Ledger) -> dict[str, float]:
    return {name: ledger.measure(name) for name in (*PROGRESS, "funds")}  # funds: 投入和引进, for the chart


def write_progress_xlsx(report: Progress, path: str | Path) -> Path:
    # openpyxl is heavy: loaded only when the workbook is written (the progress notice needs the figures only)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    q = report.quarter
    book = Workbook()
    units = book.active
    units.title = "单位进度"
    append_row(units, [f"{report.year}年度定点帮扶工作进度（截至第{q}季度末，累计数）"])
    units["A1"].font = Font(bold=True, size=13)
    head = ["单位代码", "单位", "类别"]
    for key in PROGRESS:
        head += [MEASURES[key].title, "较上季度"]
    append_row(units, [*head, "责任书完成率", "本季度台账"])
    for u in report.units:  # a unit that has not reported counts, and shows, its latest earlier ledger
        row = [u.unit_id, u.unit, u.category]
        counted = u.counted(q)
        for key in PROGRESS:
            row += [None if counted is None else u.latest(q, key), u.change(q, key)]
        rate = u.completion.get(counted) if counted else None
        row += [None if rate is None else round(rate, 4), _reported(u, q, counted)]
        append_row(units, row)
    _percent(units, len(head) + 1)
    by_quarter = book.create_sheet("分季度")
    append_row(by_quarter, ["单位代码", "单位", "类别", "季度", *(MEASURES[k].title for k in PROGRESS),
                            "责任书完成率"])
    for u in report.units:
        for quarter in sorted(u.quarters):
            rate = u.completion.get(quarter)
            append_row(by_quarter, [u.unit_id, u.unit, u.category, quarter,
                                    *(u.quarters[quarter][k] for k in PROGRESS), None if rate is None else round(rate, 4)])
    _percent(by_quarter, len(PROGRESS) + 5)
    categories = book.create_sheet("类别汇总")
    append_row(categories, ["类别", "季度", "报送台账", "应报送", *(MEASURES[k].title for k in PROGRESS)])
    for c in report.categories:
        for quarter in range(1, q + 1):
            returned, issued = report.reporting(c, quarter)
            append_row(categories, [c, quarter, returned, issued,
                                    *(report.category_total(c, quarter, k) for k in PROGRESS)])
    missing = book.create_sheet("未报送")
    append_row(missing, ["单位代码", "单位", "类别", f"第{q}季度台账"])
    for u in report.missing(q):
        append_row(missing, [u.unit_id, u.unit, u.category, "未报送"])
    for sheet in book.worksheets:
        for cell in sheet[2 if sheet is units else 1]:
            cell.font = bold
        sheet.column_dimensions["B"].width = 30
    return save_workbook(book, path, load_config(report.year).coordinator,
                         f"{report.year}年度定点帮扶工作进度（截至第{q}季度末）")


def _reported(u: UnitProgress, quarter: int, counted: int | None) -> str:
    if u.reported.get(quarter):
        return "已报送"
    return f"未报送（沿用第{counted}季度台账）" if counted else "未报送"


def _percent(sheet, column: int) -> None:
    for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        for cell in row:
            cell.number_format = "0.0%"
