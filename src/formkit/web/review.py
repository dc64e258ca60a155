"""The lead departments' review steps on the desk: the 核实 of each unit of its category and the confirmation
of its category's 分类评价, through the same library functions as ``formkit review verify|confirm``
(:mod:`formkit.evaluation.verification`, :mod:`formkit.review.category`), which refuse the same things. The
secretariat and observers see every category's state; only a lead department acts, for its own category."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from formkit.errors import FormkitError
from formkit.evaluation.verification import RESULTS, reviewed_units, verifications, verify
from formkit.forms.cycle import cycle
from formkit.review.category import category_states, confirm_category
from formkit.web.common import Desk, page
from formkit.web.staff import caller, posted, year_of


def review_page(request: Request, year: int | None = None, done: str = "") -> Response:
    desk = Desk.of(request)
    viewer, csrf = caller(request)
    cy = cycle(year or year_of(request, desk))
    mine = (lambda category: category == viewer.category) if viewer.role == "lead" else (lambda _category: True)
    units = [u for u in reviewed_units(desk.store, cy).values() if mine(u.category)]
    states = [s for s in category_states(desk.store, cy) if mine(s.name)]
    return page(request, "review.html", staff=viewer, csrf=csrf, year=cy.year, units=units, states=states,
                verified=verifications(desk.store, cy.year), results=RESULTS, done=done,
                acts=viewer.role == "lead")


async def review_act(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, form = await posted(request, ("lead",))
    cy = cycle(int(form.get("year", "0") or 0) if form.get("year", "").isdigit() else year_of(request, desk))
    category = cy.config.category(viewer.category or "")
    if category is None:
        raise FormkitError("desk.forbidden", "当前账号的单位类别不在本年度的配置中")
    if form.get("action") == "verify":
        unit = reviewed_units(desk.store, cy).get(form.get("unit", ""))
        if unit is None or unit.category != category.name:
            raise FormkitError("desk.not-found", "没有这个单位，或它不属于本部门负责的类别")
        done = await run_in_threadpool(verify, desk.store, cy, unit.unit_id, category.lead, form.get("result", ""),
                                       form.get("note"))
        detail, message = {"unit": unit.unit_id, "result": done.result}, f"已记录对{unit.name}的核实"
    else:
        await run_in_threadpool(confirm_category, desk.store, cy, category.name, category.lead, form.get("note"))
        detail, message = {"category": category.name}, f"已确认{category.name}的分类评价结果"
    await run_in_threadpool(desk.store.desk_event, "verify" if form.get("action") == "verify" else "confirm", viewer.actor,
                            desk.address(request), {"year": cy.year, **detail})
    return await run_in_threadpool(review_page, request, cy.year, message)
