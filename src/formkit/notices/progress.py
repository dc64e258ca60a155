"""The half-year progress notice's figures (办法 四（一）定期调度: “每半年各单位提交工作情况报告、国家乡村振兴局
会同牵头部门通报工作进展”): one named half-year, from the quarterly ledgers up to its last quarter (a unit that
has not returned that quarter's counts with its latest earlier one) and the half-year reports received. The
year-end forms are not part of it: they are the evaluation's, reported by its own documents."""

from __future__ import annotations

from typing import Any

from formkit.errors import FormkitError
from formkit.evaluation.ledgers import latest
from formkit.forms import measures as m
from formkit.forms.cycle import Cycle
from formkit.progress.report import progress
from formkit.store import Store

HALVES = {1: "上半年", 2: "下半年"}
REPORT = "half-year-report"
# what the progress notice's text may print (its template names them): measure keys of forms.measures
NOTICE_FIGURES = ("invested", "brought", "cadres", "secretaries", "trained", "bought", "sold")


def progress_figures(store: Store, cycle: Cycle, half: int | None = None) -> dict[str, Any]:
    """The figures of half-year ``half`` (default: the latest half whose last quarter's ledgers were issued)."""
    year = cycle.year
    issued = [item for item in store.issued(year)]
    quarters = {item.recipient.quarter for item in issued if item.recipient.quarter}
    if half is None:
        half = max((q // 2 for q in quarters if q % 2 == 0), default=1)
    quarter = 2 * half
    if quarter not in quarters:
        raise FormkitError("notice.no-period", f"{year}年第{quarter}季度的工作台账尚未下发，不能通报{year}年"
                           f"{HALVES[half]}的工作进展（先用 formkit issue --quarter {quarter} 下发台账）")
    report = progress(store, cycle, quarter)
    kept = latest(store, year, quarter)  # unit → its latest ledger up to the half's last quarter
    totals = m.totals(x.figures for x in kept.values())
    ledgers_issued = sum(report.reporting(c, quarter)[1] for c in report.categories)
    ledgers_returned = sum(report.reporting(c, quarter)[0] for c in report.categories)
    current = store.current(year)
    reports = [item for item in issued if item.form == REPORT and item.recipient.half == half]
    return {
        "half": half, "half_name": HALVES[half], "quarter": quarter,
        "ledgers": {"issued": ledgers_issued, "received": ledgers_returned},
        "missing_units": [u.unit for u in report.missing(quarter)],
        "reports": {"issued": len(reports),
                    "received": sum(1 for item in reports if (REPORT, item.recipient.id) in current)},
        "totals": {key: _figure(totals.get(key, 0.0)) for key in NOTICE_FIGURES},
    }


def _figure(value: float) -> int | float:
    """A total as a notice prints it: 487 (not 487.0), 16952.27."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value
