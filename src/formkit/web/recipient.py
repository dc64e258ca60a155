"""A recipient's pages, reached through its link ``/r/<token>``: its forms and their state, the download of
each form as issued, the upload of a returned file (or its sealed scan) with its findings at once, every version
received; for a unit, its written 自评总结 attached and listed."""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from formkit.errors import FormkitError
from formkit.forms import load_form
from formkit.web.auth import check_csrf, link_csrf, same_origin
from formkit.web.common import MEDIA, Desk, attachment, page, too_large
from formkit.web.links import holder_name, open_link
from formkit.web.settings import today
from formkit.web.uploads import pool, take, take_report
from formkit.web.views import Viewer, form_states, ordered_findings, visible_forms, visible_submission


def _holder(desk: Desk, token: str):
    link, settings = open_link(desk.store, token)
    viewer = Viewer.of_link(link)
    return link, settings, viewer, visible_forms(desk.store, viewer, link.year)


def _unit(link, forms) -> str | None:
    """The unit a link's holder is when it holds the unit's own forms; None for a county or a reviewer."""
    return link.holder if any(f.recipient.unit_id == link.holder and not f.recipient.county for f in forms) else None


def _link_page(request: Request, desk: Desk, token: str, link, settings, forms, status_code: int = 200,
               report=None, report_size: int = 0) -> Response:
    unit = _unit(link, forms)
    return page(request, "link.html", status_code, token=token, year=link.year,
                states=form_states(desk.store, link.year, forms), unit=unit,
                reports=desk.store.attachments(link.year, unit, history=True) if unit else [],
                name=holder_name(forms) if forms else link.holder, settings=settings, csrf=link_csrf(token),
                closed=settings.closed(today()), report=report, report_size=report_size)


def link_page(request: Request) -> Response:
    desk, token = Desk.of(request), request.path_params["token"]
    link, settings, _viewer, forms = _holder(desk, token)
    return _link_page(request, desk, token, link, settings, forms)


def download(request: Request) -> Response:
    desk, token = Desk.of(request), request.path_params["token"]
    link, _settings, viewer, forms = _holder(desk, token)
    wanted = (request.path_params["form"], request.path_params["recipient"])
    item = next((f for f in forms if (f.form, f.recipient.id) == wanted), None)
    if item is None:
        raise FormkitError("desk.not-found", "没有这份表格")
    data = desk.store.issued_bytes(item.sha256 or "")
    if data is None:
        raise FormkitError("desk.no-issued-file", "这份表格的下发文件没有保存在数据库中，请与秘书处联系")
    desk.store.desk_event("download", viewer.actor, desk.address(request),
                          {"form": item.form, "recipient": item.recipient.id, "sha256": item.sha256})
    kind = load_form(item.form, link.year).format
    return attachment(data, f"{item.code or item.form}.{kind}", MEDIA[kind])


def _too_large(settings) -> FormkitError:
    return FormkitError("desk.too-large", f"文件超过 {settings.max_upload_mb:g} MB 的上限，未保存")


async def _received(request: Request, desk: Desk, token: str, refused: str, units_only: bool = False):
    """The link's holder and the one file a link's form sent, after the checks every upload passes (the
    origin, the declared size before the body is read, the CSRF token, the size read); a refusal before the
    body is read is audited as ``refused``. With ``units_only``, a holder that is not a unit is refused first."""
    address = desk.address(request)
    link, settings, viewer, forms = await run_in_threadpool(_holder, desk, token)
    same_origin(request, settings)
    refusal = None
    if units_only and _unit(link, forms) is None:
        refusal = FormkitError("desk.forbidden", "只有单位的填报链接可以上传书面自评总结，未保存")
    elif too_large(request, settings.max_upload_bytes):
        refusal = _too_large(settings)
    if refusal is not None:
        await run_in_threadpool(desk.store.desk_event, refused, viewer.actor, address,
                                {"code": refusal.code, "length": request.headers.get("content-length")})
        raise refusal
    async with request.form(max_files=1, max_fields=4) as form:
        check_csrf(link_csrf(token), form.get("csrf"))
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            raise FormkitError("desk.no-file", "请先选择要上传的文件")
        data, name = await file.read(settings.max_upload_bytes + 1), file.filename
    if len(data) > settings.max_upload_bytes:  # a length declared falsely (the server holds to it, but still)
        raise _too_large(settings)
    return link, settings, viewer, forms, address, data, name


async def upload(request: Request) -> Response:
    desk, token = Desk.of(request), request.path_params["token"]
    link, _settings, viewer, forms, address, data, name = await _received(request, desk, token, "upload-refused")
    result = await asyncio.wrap_future(pool().submit(take, desk.store, data, name, link.year, forms))
    detail = {"file": result.file, "outcome": result.outcome, "code": result.code or None, "holder": link.holder,
              "duplicate": result.duplicate}
    if result.submission is None:
        await run_in_threadpool(desk.store.desk_event, "upload-refused", viewer.actor, address, detail, None,
                                result.sha256 or None)
        return page(request, "refused.html", status_code=422, token=token, result=result)
    await run_in_threadpool(desk.store.desk_event, "upload", viewer.actor, address, detail, result.submission,
                            result.sha256)
    return RedirectResponse(f"/r/{token}/s/{result.submission}", status_code=303)


async def attach_report(request: Request) -> Response:
    """A unit's written 自评总结 (Word or PDF), for the unit and year of its link (never the request's)."""
    desk, token = Desk.of(request), request.path_params["token"]
    link, settings, viewer, forms, address, data, name = await _received(request, desk, token, "attach-refused",
                                                                         units_only=True)
    result = await asyncio.wrap_future(pool().submit(take_report, desk.store, data, name, link.holder, link.year,
                                                     viewer.actor))
    accepted = result.outcome == "attached"
    await run_in_threadpool(desk.store.desk_event, "attach" if accepted else "attach-refused", viewer.actor,
                            address, {"file": result.file, "outcome": result.outcome, "code": result.code or None,
                                      "holder": link.holder, "attachment": result.attachment,
                                      "duplicate": result.duplicate}, None, result.sha256 or None)
    return await run_in_threadpool(_link_page, request, desk, token, link, settings, forms, 200 if accepted else 422,
                                   result, len(data))


def submission_page(request: Request) -> Response:
    desk, token = Desk.of(request), request.path_params["token"]
    _link, _settings, viewer, _forms = _holder(desk, token)
    found = visible_submission(desk.store, viewer, request.path_params["id"])
    if found is None:
        raise FormkitError("desk.not-found", "没有这份报送")
    state, sub = found
    return page(request, "submission.html", token=token, state=state, sub=sub, findings=ordered_findings(sub),
                staff=None)
