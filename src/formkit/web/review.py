"""The review's steps on the desk — what ``formkit review status`` shows, and where the 综合评议 stands — and the
acts of each party through the same library functions as the command line, which refuse the same things:
a lead department's 核实 of each unit of its category and its confirmation of the category's 分类评价
(``formkit review verify|confirm``: :mod:`formkit.evaluation.verification`, :mod:`formkit.review.category`);
the secretariat's vetoes, its conclusions about them and the record of the 审定 (``formkit review
veto|resolve|approve``: :mod:`formkit.review.vetoes`, :mod:`formkit.review.approval`). Observers read. The
steps that make files or need the secretariat's spreadsheet (sheets, tally, inputs, rate, override) are
shown with their commands."""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from formkit.errors import FormkitError
from formkit.evaluation.facts import COUNTY_RULES, ENTERED, veto_acts
from formkit.evaluation.verification import RESULTS, reviewed_units, verifications, verify
from formkit.forms.cycle import Cycle, cycle
from formkit.review.approval import approval, approve
from formkit.review.category import category_states, confirm_category
from formkit.review.reasons import RULE_NAMES
from formkit.review.vetoes import enter, resolve
from formkit.store import Store
from formkit.web.common import Desk, page
from formkit.web.staff import caller, posted, year_of
from formkit.web.views import Viewer


def standing(store: Store, cy: Cycle) -> dict:
    """Where the 综合评议 stands: the grades in force (per grade, and how many units have none), the secretariat's
    vetoes and conclusions in force, and the 审定 (in force, or why not)."""
    rows = store.grades(cy.year)
    counts = {g: sum(1 for r in rows if r["grade"] == g) for g in cy.grades}
    try:
        approved, why = approval(store, cy)["value"], ""
    except FormkitError as exc:
        approved, why = None, exc.message
    names = {u.unit_id: u.name for u in reviewed_units(store, cy).values()}
    acts = [{"rule": RULE_NAMES.get(a["kind"].split(":", 1)[1], a["kind"]), "subject": names.get(a["subject"], a["subject"]),
             "entered": a["kind"].startswith(ENTERED), "barred": a["value"].get("barred", a["value"].get("vetoed")),
             "reason": a["reason"], "actor": a["actor"], "at": a["at"]} for a in veto_acts(store, cy.year)]
    return {"rated": len(rows), "counts": counts, "ungraded": sum(1 for r in rows if not r["grade"]),
            "approved": approved, "not_approved": why, "vetoes": acts}


def review_page(request: Request, year: int | None = None, done: str = "") -> Response:
    desk = Desk.of(request)
    viewer, csrf = caller(request)
    cy = cycle(year or year_of(request, desk))
    mine = (lambda category: category == viewer.category) if viewer.role == "lead" else (lambda _category: True)
    units = [u for u in reviewed_units(desk.store, cy).values() if mine(u.category)]
    states = [s for s in category_states(desk.store, cy) if mine(s.name)]
    counties = sorted({i.recipient.county for i in desk.store.issued(cy.year) if i.recipient.county})
    return page(request, "review.html", staff=viewer, csrf=csrf, year=cy.year, units=units, states=states,
                verified=verifications(desk.store, cy.year), results=RESULTS, done=done, lead=viewer.role == "lead",
                overview=None if viewer.role == "lead" else standing(desk.store, cy), rules=RULE_NAMES,
                county_rules=COUNTY_RULES, counties=counties, grades=cy.grades)


def _verify(desk: Desk, viewer: Viewer, cy: Cycle, form: dict) -> tuple[dict, str]:
    category = _own_category(viewer, cy)
    unit = reviewed_units(desk.store, cy).get(form.get("unit", ""))
    if unit is None or unit.category != category.name:
        raise FormkitError("desk.not-found", "没有这个单位，或它不属于本部门负责的类别")
    done = verify(desk.store, cy, unit.unit_id, category.lead, form.get("result", ""), form.get("note"))
    return {"unit": unit.unit_id, "result": done.result}, f"已记录对{unit.name}的核实"


def _confirm(desk: Desk, viewer: Viewer, cy: Cycle, form: dict) -> tuple[dict, str]:
    category = _own_category(viewer, cy)
    confirm_category(desk.store, cy, category.name, category.lead, form.get("note"))
    return {"category": category.name}, f"已确认{category.name}的分类评价结果"


def _own_category(viewer: Viewer, cy: Cycle):
    category = cy.config.category(viewer.category or "")
    if category is None:
        raise FormkitError("desk.forbidden", "当前账号的单位类别不在本年度的配置中")
    return category


def _veto(desk: Desk, _viewer: Viewer, cy: Cycle, form: dict) -> tuple[dict, str]:
    rule, subject = form.get("rule", ""), form.get("subject", "").strip()
    act = enter(desk.store, cy, rule, subject, form.get("reason", ""))
    return ({"rule": rule, "subject": subject, "act": act["id"]},
            f"已记录：{subject} {RULE_NAMES.get(rule, rule)}，请重新运行 formkit review rate")


def _resolve(desk: Desk, _viewer: Viewer, cy: Cycle, form: dict) -> tuple[dict, str]:
    rule, subject, barred = form.get("rule", ""), form.get("subject", "").strip(), form.get("barred") == "bar"
    act = resolve(desk.store, cy, rule, subject, barred, form.get("reason", ""))
    decided = "维持不得评为“好”" if barred else "解除"
    return ({"rule": rule, "subject": subject, "barred": barred, "act": act["id"]},
            f"已记录结论：{subject} {RULE_NAMES.get(rule, rule)}，{decided}，请重新运行 formkit review rate")


def _approve(desk: Desk, _viewer: Viewer, cy: Cycle, form: dict) -> tuple[dict, str]:
    try:
        on = date.fromisoformat(form["date"]) if form.get("date") else None
    except ValueError as exc:
        raise FormkitError("desk.bad-input", "审定日期应写作 YYYY-MM-DD") from exc
    value = approve(desk.store, cy, form.get("by") or None, on)["value"]
    return {"by": value["by"], "date": value["date"]}, f"已记录审定：{value['by']}，{value['date']}"


# action → (the role that may take it, what it does)
ACTIONS = {"verify": ("lead", _verify), "confirm": ("lead", _confirm), "veto": ("secretariat", _veto),
           "resolve": ("secretariat", _resolve), "approve": ("secretariat", _approve)}


async def review_act(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, form = await posted(request, ("lead", "secretariat"))
    role, act = ACTIONS.get(form.get("action", ""), (None, None))
    if act is None or viewer.role != role:
        raise FormkitError("desk.forbidden", "当前账号无权进行此操作")
    raw = form.get("year", "")
    cy = cycle(int(raw) if raw.isdigit() and len(raw) == 4 else year_of(request, desk))
    detail, message = await run_in_threadpool(act, desk, viewer, cy, form)
    await run_in_threadpool(desk.store.desk_event, form["action"], viewer.actor, desk.address(request),
                            {"year": cy.year, **detail})
    return await run_in_threadpool(review_page, request, cy.year, message)
