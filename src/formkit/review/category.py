"""Each category's 分类评价 as the 办法 runs it (四（四）: 分类集中审阅材料、分组评议、投票评价、综合评定): the
分组评议 recorded (date, participants, a summary), and the category's result — its tally — confirmed by the
category's lead department before the 综合评议. A confirmation holds the result it confirmed: when the tally
changes afterwards (a sheet read late), the category is unconfirmed again until the lead department confirms
anew. The acts are ``deliberation`` and ``category-confirmed``, one subject per category."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date

from formkit.errors import FormkitError
from formkit.evaluation.verification import require_lead, today
from formkit.findings import WARNING, Finding, finding
from formkit.forms.cycle import Cycle, cycle
from formkit.review.delegates import delegates, require_organiser
from formkit.review.tally import Tally, tally
from formkit.review.units import units_by_category
from formkit.store import Store

DELIBERATION, CONFIRMATION = "deliberation", "category-confirmed"  # act kinds (review_acts)


@dataclass
class CategoryState:
    name: str
    lead: str
    units: int
    returned: int  # sheets counted
    issued: int  # sheets issued
    delegates: int  # delegates registered
    handed_in: int  # delegates ticked as having handed in their sheet
    deliberation: dict | None  # {on, participants, summary}
    confirmation: dict | None  # {by, on, note, result} in force
    stale: bool = False  # confirmed, but the tally is no longer the one confirmed

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None and not self.stale

    @property
    def pending(self) -> bool:
        """Its sheets issued, its result not (or no longer) confirmed: the 请示 and the 审定 wait for it."""
        return bool(self.issued) and not self.confirmed

    def as_dict(self) -> dict:
        shown = {k: v for k, v in (self.confirmation or {}).items() if k != "result"} or None
        return {**asdict(self), "confirmation": shown, "confirmed": self.confirmed}


def snapshot(result: Tally, category: str) -> dict:
    """What a confirmation confirms: the category's turnout and every unit's votes, as JSON keeps them."""
    returned, issued = result.turnout(category)
    units = {u.recipient_id: {"votes": u.votes, "blank": u.blank, "invalid": u.invalid, "recused": u.recused}
             for u in result.categories.get(category, [])}
    return json.loads(json.dumps({"turnout": [returned, issued], "units": units}, ensure_ascii=False))


def _require_category(store: Store, cy: Cycle, category: str) -> None:
    if category not in units_by_category(store, cy):
        raise FormkitError("review.unknown-category", f"{cy.year}年度没有“{category}”类的被评单位"
                           f"（{'、'.join(cy.config.category_names)}）", {"category": category})


def record_deliberation(store: Store, cy: Cycle, category: str, on: date, participants: int, summary: str,
                        by: str | None = None) -> dict:
    """Record the category's 分组评议: its date, how many took part, a summary of what was said (required:
    ``review.note-needed``); ``by`` the coordinating body (default) or the category's lead department."""
    _require_category(store, cy, category)
    who = require_organiser(cy, category, by)
    if not summary.strip():
        raise FormkitError("review.note-needed", "分组评议须写明评议情况摘要（--note）", {"category": category})
    if participants < 1:
        raise FormkitError("review.bad-participants", "参加分组评议的人数至少为 1", {"category": category})
    value = {"on": on.isoformat(), "participants": participants, "summary": summary.strip()}
    store.record_act(cy.year, DELIBERATION, category, value, who)
    return value


def confirm_category(store: Store, cy: Cycle, category: str, by: str, note: str | None = None,
                     on: date | None = None) -> CategoryState:
    """The lead department of ``category`` confirms its result as the tally now stands. Refused for another
    department (``review.wrong-department``), before the 分组评议 is recorded (``review.deliberation-missing``)
    or before any sheet of the category is counted (``review.no-votes``)."""
    _require_category(store, cy, category)
    lead = require_lead(cy, category, by)
    result = tally(store, cy)
    state = next(s for s in category_states(store, cy, result) if s.name == category)
    if state.deliberation is None:
        raise FormkitError("review.deliberation-missing", f"{category}的分组评议尚未记录，请先用 formkit review "
                           "deliberation 记录后再确认分类评价结果", {"category": category})
    if not state.returned:
        raise FormkitError("review.no-votes", f"{category}还没有收回并计入的投票表，无法确认分类评价结果",
                           {"category": category})
    value = {"by": lead, "on": (on or today()).isoformat(), "note": (note or "").strip(),
             "result": snapshot(result, category)}
    store.record_act(cy.year, CONFIRMATION, category, value, lead, value["note"] or None)
    state.confirmation, state.stale = value, False
    return state


def category_states(store: Store, cy: Cycle, result: Tally | None = None) -> list[CategoryState]:
    """Every category with units in the year, in the configured order: sheets, delegates, its 分组评议 and
    its confirmation (stale when the tally is no longer the one confirmed)."""
    result = result or tally(store, cy)
    held = {kind: {a["subject"]: a["value"] for a in store.acts(cy.year, kind)} for kind in (DELIBERATION, CONFIRMATION)}
    present = delegates(store, cy)
    out = []
    for name, units in units_by_category(store, cy).items():
        returned, issued = result.turnout(name)
        mine = [d for d in present if d.category == name]
        confirmation = held[CONFIRMATION].get(name)
        out.append(CategoryState(name, units[0].lead, len(units), returned, issued, len(mine),
                                 sum(1 for d in mine if d.returned), held[DELIBERATION].get(name), confirmation,
                                 confirmation is not None and confirmation.get("result") != snapshot(result, name)))
    return out


def unconfirmed_categories(store: Store, year: int, result: Tally | None = None) -> list[str]:
    """The categories of ``year`` whose voting sheets were issued but whose result its lead department has not
    confirmed (or confirmed before the tally last changed): the 综合评议 should not treat their votes as
    final, and the 请示 and the 审定 wait for them (``review.not-confirmed``). That holds whoever filled the
    sheets in — the delegates or numbered reviewers: the confirmation is the 办法's step (四（四）), who votes
    the working group's. A category without a sheet issued has no result to confirm (:func:`unconfirmed_findings`
    says so)."""
    return [s.name for s in category_states(store, cycle(year), result) if s.pending]


def unconfirmed_findings(store: Store, year: int, result: Tally | None = None) -> list[Finding]:
    """Every category not confirmed as warnings (``review.category-unconfirmed``), for the rating to show: those
    of :func:`unconfirmed_categories`, and those without a sheet issued (no 分类评价 result at all)."""
    out = []
    for s in category_states(store, cycle(year), result):
        if s.confirmed:
            continue
        if not s.issued:
            text = f"{s.name}尚未发放分类评价投票表，综合评议中没有该类的分类评价结果"
        else:
            why = "确认后计票结果有变化，需重新确认" if s.stale else "尚未确认"
            text = f"{s.name}的分类评价结果{why}（应由{s.lead}确认）"
        out.append(finding("review.category-unconfirmed", WARNING, text, subject=s.name,
                           params={"category": s.name, "lead": s.lead, "stale": s.stale, "issued": s.issued}))
    return out
