"""The working group's override of one unit's grade (综合评议), checked here so that every caller refuses
the same things."""

from __future__ import annotations

from formkit.errors import FormkitError
from formkit.forms.cycle import Cycle
from formkit.store import Store


def override(store: Store, cycle: Cycle, recipient_id: str, grade: str, reason: str) -> dict:
    """Put ``grade`` in force for one unit instead of its proposal. Refused for a grade that is not the
    year's or without a reason; the store's audit log keeps the proposal, both grades and the reason.
    Returns the unit's row as it now stands."""
    year, grades = cycle.year, cycle.grades
    if grade not in grades:
        raise FormkitError("review.unknown-grade", f"“{grade}”不是{year}年度的等次（{'、'.join(grades)}）")
    if not reason.strip():
        raise FormkitError("review.no-reason", "调整等次必须写明理由")
    return store.override_grade(year, recipient_id, grade, reason.strip())
