"""Rules across two documents: what a county's feedback confirms against what its unit's self-assessment
claims for it. They run when both documents are known, whichever arrived second."""

from __future__ import annotations

from formkit.config import CycleConfig
from formkit.findings import WARNING, Finding, finding
from formkit.forms import load_form
from formkit.forms.measures import UNIT_FORM, by_county, number
from formkit.validate.paths import location_at

# county-feedback field → the measure (forms.measures) of the unit's funds for that county that it confirms
ARRIVED = {"funds_invested_arrived": "invested", "funds_brought_arrived": "brought"}


def funds_differ(unit_values: dict, county_values: dict, config: CycleConfig,
                 county_raw: dict | None = None) -> list[Finding]:
    """rule.funds-differ: the funds the county confirms as arrived against what the unit claims for it, beyond
    the configured tolerance (an amount and a share). The finding is the county form's (its field, where it
    was read), about the county (``subject``)."""
    county = county_values.get("county")
    if not any(r.get("county") == county for r in unit_values.get("funds") or [] if isinstance(r, dict)):
        return []
    form = load_form("county-feedback", county_values.get("year") if isinstance(county_values.get("year"), int) else None)
    out = []
    for key, measure in ARRIVED.items():
        confirmed = number(county_values.get(key))
        if confirmed is None:  # blank, or not a figure (its own finding says so)
            continue
        # a county listed twice in the funds table: both rows
        claimed = by_county(measure, UNIT_FORM, unit_values).get(county, 0.0)
        diff = abs(confirmed - claimed)
        if diff > config.funds_tolerance_wan_yuan and diff > config.funds_tolerance_share * max(claimed, confirmed):
            out.append(finding("rule.funds-differ", WARNING,
                               f"县确认到位 {confirmed:g} 万元，单位自评表填报 {claimed:g} 万元，相差 {diff:g} 万元",
                               form.field(key).label, key, location_at(county_raw or {}, key),
                               params={"confirmed": round(confirmed, 4), "claimed": round(claimed, 4),
                                       "diff": round(diff, 4)}, subject=county))
    return out
