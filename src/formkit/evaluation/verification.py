"""The lead department's 核实 of a unit's year-end material: the data source of every indicator is "本单位提供，
牵头部门核实" (the annex), so each unit's figures are confirmed or questioned by the lead department of its
category — who, when, with a note. Kept as acts in the store (``review_acts``, kind ``verification``,
the latest in force); the dossier shows it per unit, the 请示 reads it from here.

It sits below the review and the dossier (both read it). The checks live here so that the command line and
the web desk refuse the same things."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from formkit.errors import FormkitError
from formkit.forms.cycle import Cycle
from formkit.store import Store

KIND = "verification"  # act kind (review_acts): a lead department's 核实 of a unit
RESULTS = {"confirmed": "已核实", "questioned": "有疑问"}
UNIT_FORM = "self-assessment"
BEIJING = timezone(timedelta(hours=8))  # the date a clerk in Beijing would write (no daylight saving)


@dataclass(frozen=True)
class ReviewedUnit:
    """A unit under review in a year (a self-assessment was issued to it), its category and lead department."""
    unit_id: str
    name: str
    category: str
    lead: str


@dataclass(frozen=True)
class Verification:
    unit_id: str
    result: str  # confirmed, questioned
    by: str  # the lead department
    on: str  # ISO date of the verification
    note: str

    @property
    def shown(self) -> str:
        """已核实（教育部，2026-12-02） / 有疑问（教育部，2026-12-02）：the note."""
        text = f"{RESULTS[self.result]}（{self.by}，{self.on}）"
        return f"{text}：{self.note}" if self.note and self.result == "questioned" else text


def shown(verification: Verification | None) -> str:
    """The line the dossier and the 请示 print for a unit: its verification, or 未核实."""
    return verification.shown if verification else "未核实"


def today() -> date:
    return datetime.now(BEIJING).date()


def reviewed_units(store: Store, cycle: Cycle) -> dict[str, ReviewedUnit]:
    """Unit id → the unit, for every unit of the year (a self-assessment was issued to it)."""
    by_lead = {c.lead: c.name for c in cycle.config.categories}
    out = {}
    for item in store.issued(cycle.year):
        if item.form == UNIT_FORM:
            lead = item.lead_department or ""
            category = by_lead.get(lead, lead)
            configured = cycle.config.category(category)
            out[item.recipient.id] = ReviewedUnit(item.recipient.id, item.recipient.unit or "", category,
                                                  configured.lead if configured else lead)
    return out


def reviewed_unit(units: dict[str, ReviewedUnit], cycle: Cycle, unit_id: str) -> ReviewedUnit:
    """The unit ``unit_id`` among ``units`` (:func:`reviewed_units`), or ``review.unknown-unit``."""
    if unit_id not in units:
        raise FormkitError("review.unknown-unit", f"{cycle.year}年度没有向“{unit_id}”下发自评表，不是本年度的被评单位",
                           {"unit": unit_id})
    return units[unit_id]


def require_lead(cycle: Cycle, category: str, by: str) -> str:
    """``by`` when it is the lead department of ``category`` in the year's configuration, else refused
    (``review.wrong-department``; ``review.unknown-category`` for a category the year does not have)."""
    configured = cycle.config.category(category)
    if configured is None:
        raise FormkitError("review.unknown-category", f"“{category}”不是{cycle.year}年度配置的单位类别"
                           f"（{'、'.join(cycle.config.category_names)}）", {"category": category})
    if by.strip() != configured.lead:
        raise FormkitError("review.wrong-department", f"“{by}”不是{category}的牵头部门，应由{configured.lead}办理",
                           {"category": category, "by": by})
    return configured.lead


def verify(store: Store, cycle: Cycle, unit_id: str, by: str, result: str, note: str | None = None,
           on: date | None = None) -> Verification:
    """Record the lead department's 核实 of ``unit_id``: ``result`` confirmed or questioned (a question needs
    its ``note``), ``by`` the lead department of the unit's category, ``on`` the date (today by default).
    A later verification of the same unit replaces it; the earlier ones stay in the store's history."""
    if result not in RESULTS:
        raise FormkitError("review.bad-result", "核实结果只能是 confirmed（已核实）或 questioned（有疑问）",
                           {"result": result})
    note = (note or "").strip()
    if result == "questioned" and not note:
        raise FormkitError("review.note-needed", "有疑问的核实须写明疑问所在（--note）", {"unit": unit_id})
    unit = reviewed_unit(reviewed_units(store, cycle), cycle, unit_id)
    lead = require_lead(cycle, unit.category, by)
    day = (on or today()).isoformat()
    store.record_act(cycle.year, KIND, unit_id, {"result": result, "by": lead, "on": day, "note": note}, lead,
                     note or None)
    return Verification(unit_id, result, lead, day, note)


def verifications(store: Store, year: int) -> dict[str, Verification]:
    """Unit id → its verification in force (units not verified are absent: :func:`shown` says 未核实)."""
    out = {}
    for act in store.acts(year, KIND):
        v = act["value"]
        out[act["subject"]] = Verification(act["subject"], v["result"], v["by"], v["on"], v.get("note") or "")
    return out
