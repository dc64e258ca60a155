"""The staff's pages: login, the status of the returns by form and category, a submission's findings and
versions, its original, the 催报名单; for the secretariat also accounts and recipients' links. Each page asks
:mod:`formkit.web.views` what the caller may see; each change goes through the library the CLI calls."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from formkit.errors import FormkitError
from formkit.forms.cycle import cycle
from formkit.intake.status import StatusReport, status, write_missing_xlsx
from formkit.web import accounts as account_lib
from formkit.web.auth import LOGIN_COOKIE, SESSION_COOKIE, check_csrf, cookie_options, new_csrf, same_origin, staff
from formkit.web.common import MEDIA, Desk, attachment, page
from formkit.web.links import holder_name, holders, issue_links, revoke_link
from formkit.web.settings import today
from formkit.web.views import Viewer, form_states, ordered_findings, summary, visible_forms, visible_submission


class LoginNeeded(Exception):
    """No open session: a page sends the browser to the login form."""


def caller(request: Request, roles: tuple[str, ...] | None = None) -> tuple[Viewer, str]:
    """(viewer, CSRF token) of the request's session; ``desk.forbidden`` when its role is not in ``roles``."""
    found = staff(request, Desk.of(request).store)
    if found is None:
        raise LoginNeeded
    account, csrf = found
    if roles is not None and account.role not in roles:
        raise FormkitError("desk.forbidden", "当前账号无权进行此操作")
    return Viewer.of_account(account), csrf


def year_of(request: Request, desk: Desk) -> int:
    raw = request.query_params.get("year", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else (desk.store.latest_year() or today().year)


def login_form(request: Request, message: str = "", status_code: int = 200) -> Response:
    csrf = new_csrf()
    response = page(request, "login.html", status_code=status_code, csrf=csrf, message=message)
    response.set_cookie(LOGIN_COOKIE, csrf, **cookie_options(Desk.of(request).settings))
    return response


async def login(request: Request) -> Response:
    desk = Desk.of(request)
    same_origin(request, desk.settings)
    form = await request.form(max_files=0, max_fields=4)
    check_csrf(request.cookies.get(LOGIN_COOKIE), form.get("csrf"))
    try:
        done = await run_in_threadpool(account_lib.login, desk.store, str(form.get("name", "")),
                                       str(form.get("password", "")), desk.address(request), desk.settings)
    except FormkitError as exc:
        return login_form(request, exc.message, 429 if exc.code == "desk.throttled" else 401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, done.token, max_age=int(desk.settings.session_hours * 3600),
                        **cookie_options(desk.settings))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


async def posted(request: Request, roles: tuple[str, ...] | None) -> tuple[Viewer, dict]:
    """The caller and the fields of a staff form, its CSRF token checked."""
    viewer, csrf = await run_in_threadpool(caller, request, roles)
    same_origin(request, Desk.of(request).settings)
    form = await request.form(max_files=0, max_fields=8)
    check_csrf(csrf, form.get("csrf"))
    return viewer, {k: str(v) for k, v in form.items()}


async def logout(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, _form = await posted(request, None)
    await run_in_threadpool(desk.store.end_session, request.cookies.get(SESSION_COOKIE, ""), viewer.actor,
                            desk.address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def dashboard(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, csrf = caller(request)
    year = year_of(request, desk)
    states = form_states(desk.store, year, visible_forms(desk.store, viewer, year))
    shown = request.query_params.get("state")
    return page(request, "dashboard.html", staff=viewer, csrf=csrf, year=year, summary=summary(states),
                states=[s for s in states if not shown or s.state == shown], shown=shown)


def submission_page(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, csrf = caller(request)
    found = visible_submission(desk.store, viewer, request.path_params["id"])
    if found is None:
        raise FormkitError("desk.not-found", "没有这份报送，或当前账号无权查看")
    state, sub = found
    return page(request, "submission.html", staff=viewer, csrf=csrf, token=None, state=state, sub=sub,
                findings=ordered_findings(sub))


def original(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, _csrf = caller(request)
    found = visible_submission(desk.store, viewer, request.path_params["id"])
    if found is None:
        raise FormkitError("desk.not-found", "没有这份报送，或当前账号无权查看")
    sub = found[1]
    desk.store.desk_event("original", viewer.actor, desk.address(request), {"file": sub.file_name}, sub.id, sub.sha256)
    return attachment(desk.store.objects.get(sub.sha256), sub.file_name)  # as octet-stream, whatever it holds


def missing_list(request: Request) -> Response:
    """催报名单 of the forms the caller may see."""
    desk = Desk.of(request)
    viewer, _csrf = caller(request)
    year = year_of(request, desk)
    mine = {(f.form, f.recipient.id) for f in visible_forms(desk.store, viewer, year)}
    report = status(desk.store, cycle(year))
    report = StatusReport(year, [r for r in report.rows if (r.form, r.recipient_id) in mine])
    with tempfile.TemporaryDirectory(prefix="formkit-desk-") as tmp:
        data = write_missing_xlsx(report, Path(tmp) / "missing.xlsx").read_bytes()
    desk.store.desk_event("missing-list", viewer.actor, desk.address(request), {"year": year, "rows": len(report.rows)})
    return attachment(data, f"{year}年度催报名单.xlsx", MEDIA["xlsx"])


def accounts_page(request: Request, done: str = "") -> Response:
    desk = Desk.of(request)
    viewer, csrf = caller(request, ("secretariat",))
    return page(request, "accounts.html", staff=viewer, csrf=csrf, accounts=desk.store.accounts(),
                roles=account_lib.ROLES, categories=cycle(year_of(request, desk)).config.category_names, done=done)


async def change_account(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, form = await posted(request, ("secretariat",))
    action, name, address = form.get("action"), form.get("name", ""), desk.address(request)
    if action == "add":
        await run_in_threadpool(account_lib.add_account, desk.store, name, form.get("role", ""),
                                form.get("password", ""), viewer.actor, form.get("category") or None, address)
    elif action == "reset":
        await run_in_threadpool(account_lib.reset_password, desk.store, name, form.get("password", ""), viewer.actor,
                                address)
    elif action == "disable":
        await run_in_threadpool(account_lib.disable_account, desk.store, name, viewer.actor, address)
    else:
        raise FormkitError("desk.bad-account", "未知的操作")
    return await run_in_threadpool(accounts_page, request, f"已完成：{name}")


def links_page(request: Request, year: int | None = None, new: dict | None = None) -> Response:
    desk = Desk.of(request)
    viewer, csrf = caller(request, ("secretariat",))
    year = year or year_of(request, desk)
    known, working = holders(desk.store, year), desk.store.links(year)
    rows = [{"holder": h, "name": holder_name(forms), "forms": len(forms), "link": working.get(h)}
            for h, forms in known.items()]
    return page(request, "links.html", staff=viewer, csrf=csrf, year=year, rows=rows, new=new or {})


async def change_link(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, form = await posted(request, ("secretariat",))
    year, holder, address = int(form.get("year", "0") or 0), form.get("holder", ""), desk.address(request)
    new = {}
    if form.get("action") == "issue":
        new = await run_in_threadpool(issue_links, desk.store, year, [holder], viewer.actor, address)
    else:
        await run_in_threadpool(revoke_link, desk.store, year, holder, viewer.actor, address)
    return await run_in_threadpool(links_page, request, year, new)
