"""The working group's decision on one unit's grade (综合评议): an override of its proposal, or — in a year
without working-group scoring rules, where nothing is proposed — the grade it decides. Checked here so that
every caller refuses the same things."""

from __future__ import annotations

from formkit.errors import FormkitError
from formkit.forms.cycle import Cycle
from formkit.review.approval import vetoed
from formkit.store import Store


def override(store: Store, cycle: Cycle, recipient_id: str, grade: str, reason: str) -> dict:
    """Put ``grade`` in force for one unit instead of its proposal. Refused for a grade that is not the
    year's, without a reason, or the first grade for a unit barred from it (办法 五); the store's audit log
    keeps the proposal, both grades and the reason. Returns the unit's row as it now stands."""
    year, grades = cycle.year, cycle.grades
    if grade not in grades:
        raise FormkitError("review.unknown-grade", f"“{grade}”不是{year}年度的等次（{'、'.join(grades)}）")
    if not reason.strip():
        raise FormkitError("review.no-reason", "调整等次必须写明理由")
    row = next((r for r in store.grades(year) if r["recipient_id"] == recipient_id), None)
    if row is not None and grade == cycle.best and vetoed(row):
        raise FormkitError("review.vetoed-best", f"{row['unit']}有不得评为“{grade}”的情形，不能确定为“{grade}”："
                           "如该情形已不存在，由秘书处核实后用 formkit review resolve 记录结论并重新评定",
                           {"units": [row["unit"]]})
    return store.override_grade(year, recipient_id, grade, reason.strip())
