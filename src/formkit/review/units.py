"""The units under review, per category, as the store knows them (the self-assessments issued)."""

from __future__ import annotations

from dataclasses import dataclass

from formkit.forms.cycle import Cycle
from formkit.store import Store


@dataclass(frozen=True)
class ReviewedUnit:
    recipient_id: str
    name: str
    category: str
    lead: str


def units_by_category(store: Store, cycle: Cycle) -> dict[str, list[ReviewedUnit]]:
    """Category name → its units (in recipient-id order), categories in the configured order."""
    by_lead = {c.lead: c.name for c in cycle.config.categories}
    out: dict[str, list[ReviewedUnit]] = {c.name: [] for c in cycle.config.categories}
    for item in sorted(store.issued(cycle.year), key=lambda r: r.recipient.id):
        if item.form == "self-assessment":
            lead = item.lead_department or ""
            category = by_lead.get(lead, lead)
            out.setdefault(category, []).append(ReviewedUnit(item.recipient.id, item.recipient.unit or "", category,
                                                             lead))
    return {name: units for name, units in out.items() if units}
