"""The leading group's 审定 (办法 四（五）: 评价情况和评价等次建议提请中央农村工作领导小组审定; 五: 由中央农村
工作领导小组予以通报). Recorded as an act — who, on what date, the grades decided (those in force at that
moment) — before the results 通报 can be issued; a grade changed afterwards needs a new 审定.

What must hold before the 请示 goes up and the 审定 is recorded (:func:`ready`): every category whose voting
sheets were issued has its result confirmed by its lead department — in a year voted by delegates and in one
voted by numbered reviewers alike, since the confirmation is the 办法's step and who votes the working group's
(a category with no sheet issued has nothing to confirm: ``review rate`` warns that it has no 分类评价 result);
every unit has a grade; no barred unit is graded first; and no veto was entered or resolved, and no category
confirmed, after the latest rating (the grades must rest on the confirmed votes)."""

from __future__ import annotations

from datetime import date

from formkit.errors import FormkitError
from formkit.evaluation.facts import veto_acts
from formkit.forms.cycle import Cycle
from formkit.review.category import CONFIRMATION, category_states
from formkit.review.reasons import reason_of
from formkit.store import Store

RATED, APPROVED = "rated", "approved"  # acts about the year (subject: the year)


def rated_act(store: Store, year: int) -> dict | None:
    """The latest rating's act (its rules and their sources), None for a store rated by an earlier formkit."""
    acts = store.acts(year, kind=RATED, subject=str(year))
    return acts[-1] if acts else None


def ready(store: Store, cycle: Cycle) -> list[dict]:
    """The grades in force, refused (coded) when they cannot go to the leading group."""
    year, best = cycle.year, cycle.best
    rows = store.grades(year)
    if not rows:
        raise FormkitError("review.not-rated", f"{year}年度还没有综合评定结果，请先运行 formkit review rate")
    _confirmed(store, cycle)
    rated = rated_act(store, year)
    acts = [*veto_acts(store, year, history=True), *store.acts(year, kind=CONFIRMATION, history=True)]
    later = [a for a in acts if rated is not None and a["id"] > rated["id"]]
    if later:
        subjects = list(dict.fromkeys(a["subject"] for a in sorted(later, key=lambda a: a["id"])))
        raise FormkitError("review.stale", "综合评定之后又记录了否决情形、核实结论或分类评价结果的确认"
                           f"（{'、'.join(subjects)}），请重新运行 formkit review rate", {"subjects": subjects})
    ungraded = [r["unit"] for r in rows if not r["grade"]]
    if ungraded:
        raise FormkitError("review.ungraded", f"{len(ungraded)}个单位还没有确定等次（{'、'.join(ungraded[:5])}"
                           f"{'等' if len(ungraded) > 5 else ''}）：请用 formkit review override 逐一确定等次并写明理由",
                           {"units": ungraded})
    barred = [r["unit"] for r in rows if r["grade"] == best and vetoed(r)]
    if barred:
        raise FormkitError("review.vetoed-best", f"{'、'.join(barred)}有不得评为“{best}”的情形，等次却是“{best}”："
                           "请用 formkit review override 调整，或由秘书处核实后用 formkit review resolve 记录结论并重新评定",
                           {"units": barred})
    return rows


def _confirmed(store: Store, cycle: Cycle) -> None:
    """Refused (``review.not-confirmed``) while a category's voting sheets are issued and its result is not
    (or no longer) confirmed by its lead department."""
    pending = [s for s in category_states(store, cycle) if s.pending]
    if pending:
        listed = "、".join(f"{s.name}（{s.lead}{'，确认后计票结果有变化' if s.stale else ''}）" for s in pending)
        raise FormkitError("review.not-confirmed", f"{listed}的分类评价结果尚未经牵头部门确认，不能提请审定：由牵头部门"
                           "用 formkit review deliberation 记录分组评议、用 formkit review confirm 确认后，重新运行 "
                           "formkit review rate", {"categories": [s.name for s in pending]})


def vetoed(row: dict) -> bool:
    """Whether a stored proposal is barred from the first grade."""
    reasons = [reason_of(x) for x in row["reasons"] or []]
    return any(r.kind == "veto" or (r.kind == "earlier-note" and "不得评为" in r.text) for r in reasons)


def approve(store: Store, cycle: Cycle, by: str | None = None, when: date | None = None) -> dict:
    """Record the 审定 of ``cycle``'s grades in force by ``by`` (the year's leading group unless named) on
    ``when`` (today unless given); audited. Returns the act."""
    rows = ready(store, cycle)
    by = (by or "").strip() or cycle.config.leading_group
    when = when or date.today()
    grades = {r["recipient_id"]: r["grade"] for r in rows}
    return store.record_act(cycle.year, APPROVED, str(cycle.year), {"by": by, "date": when.isoformat(),
                                                                      "grades": grades}, by)


def approval(store: Store, cycle: Cycle) -> dict:
    """The 审定 in force, refused when there is none or when a grade changed after it."""
    year = cycle.year
    acts = store.acts(year, kind=APPROVED, subject=str(year))
    if not acts:
        raise FormkitError("review.not-approved", f"{year}年度评价结果还没有记录{cycle.config.leading_group}的审定，"
                           "不能通报：审定后用 formkit review approve 记录")
    act = acts[-1]
    decided = act["value"]["grades"]
    rows = {r["recipient_id"]: r for r in store.grades(year)}
    changed = [f"{rows[k]['unit']}：{decided.get(k) or '—'}→{rows[k]['grade']}" for k in rows
               if rows[k]["grade"] != decided.get(k)]
    changed += [f"{k}：{g}→—" for k, g in decided.items() if k not in rows]
    if changed:
        raise FormkitError("review.approval-outdated", f"审定后等次又有变化（{'；'.join(changed)}），"
                           "请重新提请审定并用 formkit review approve 记录", {"changed": changed})
    return act
