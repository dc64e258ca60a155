"""The dossier and the notices built from the desk, by the library functions ``formkit dossier`` and ``formkit
notice`` call (:func:`formkit.dossier.build_dossier`, :func:`formkit.notices.write_notice`), which refuse the
same things; the .docx made is sent as an attachment and nothing is kept. A lead department builds its own
category's dossier only; the notices are the secretariat's. PDFs (LibreOffice) stay with the command line."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from formkit.dossier import build_dossier
from formkit.errors import FormkitError
from formkit.forms.cycle import cycle
from formkit.notices import STORE_KINDS, write_notice
from formkit.store import Store
from formkit.web.common import MEDIA, Desk, attachment, page
from formkit.web.staff import caller, posted, year_of
from formkit.web.views import Viewer

# what each notice is called (the kinds of ``formkit notice``)
NOTICES = {"issue-forms": "下发考核评价表格的通知", "progress": "工作进展通报", "review-proposal": "评价结果的请示",
           "review-results": "评价结果通报", "review-copy": "送中央组织部的函"}
STAFF = ("secretariat", "lead", "observer")


def documents_page(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, csrf = caller(request)
    year = year_of(request, desk)
    return page(request, "documents.html", staff=viewer, csrf=csrf, year=year, notices=NOTICES,
                categories=cycle(year).config.category_names)


def _year(form: dict) -> int:
    raw = form.get("year", "")
    if not (raw.isdigit() and len(raw) == 4):
        raise FormkitError("desk.bad-input", "年度应为四位数字")
    return int(raw)


def _category(viewer: Viewer, year: int, asked: str) -> str | None:
    """The dossier's category: a lead department's own, whatever it asks; else the one asked (None: all)."""
    if viewer.role == "lead":
        return viewer.category
    if asked and asked not in cycle(year).config.category_names:
        raise FormkitError("desk.bad-input", f"没有“{asked}”这个单位类别")
    return asked or None


def dossier_file(store: Store, year: int, category: str | None) -> tuple[bytes, str]:
    """The dossier of ``year`` (of one category) as ``formkit dossier --category`` writes it: (bytes, name)."""
    if not any(i.form == "self-assessment" for i in store.issued(year)):
        raise FormkitError("desk.nothing-stored", f"数据库中没有{year}年度下发的自评表，无法生成材料汇编")
    name = f"{year}年度考核评价材料汇编{f'（{category}）' if category else ''}.docx"
    with tempfile.TemporaryDirectory(prefix="formkit-desk-") as tmp:
        path, _dossier = build_dossier(store, cycle(year), Path(tmp) / name, category)
        return path.read_bytes(), name


def notice_file(store: Store, year: int, kind: str, serial: int, when: date | None,
                half: int | None) -> tuple[bytes, str]:
    """The notice ``kind`` as ``formkit notice KIND`` writes it: (bytes, name)."""
    if kind in STORE_KINDS and not store.issued(year):
        raise FormkitError("desk.nothing-stored", f"数据库中没有{year}年度的下发或报送记录，无法生成{NOTICES[kind]}")
    name = f"{year}年度{NOTICES[kind]}.docx"
    with tempfile.TemporaryDirectory(prefix="formkit-desk-") as tmp:
        result = write_notice(kind, cycle(year), Path(tmp) / name, store=store if kind in STORE_KINDS else None,
                              serial=serial, when=when, half=half)
        return Path(result["docx"]).read_bytes(), name


def _notice_options(form: dict) -> tuple[str, int, date | None, int | None]:
    kind, serial, when, half = form.get("kind", ""), form.get("serial", "1"), form.get("date", ""), form.get("half", "")
    if kind not in NOTICES:
        raise FormkitError("desk.bad-input", "请选择要生成的公文")
    try:
        day = date.fromisoformat(when) if when else None
    except ValueError as exc:
        raise FormkitError("desk.bad-input", "成文日期应写作 YYYY-MM-DD") from exc
    if not serial.isdigit() or not 1 <= int(serial) <= 9999:
        raise FormkitError("desk.bad-input", "发文字号中的序号应为 1 至 9999 的整数")
    if half and (kind != "progress" or half not in ("1", "2")):
        raise FormkitError("desk.bad-input", "半年只用于工作进展通报（progress），应为 1 或 2")
    return kind, int(serial), day, int(half) if half else None


def _sent(desk: Desk, request: Request, viewer: Viewer, event: str, detail: dict, made: tuple[bytes, str]) -> Response:
    data, name = made
    desk.store.desk_event(event, viewer.actor, desk.address(request),
                          {**detail, "file": name, "sha256": hashlib.sha256(data).hexdigest()})
    return attachment(data, name, MEDIA["docx"])


async def dossier(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, form = await posted(request, STAFF)
    year = _year(form)
    category = _category(viewer, year, form.get("category", ""))
    made = await run_in_threadpool(dossier_file, desk.store, year, category)
    return await run_in_threadpool(_sent, desk, request, viewer, "dossier", {"year": year, "category": category}, made)


async def notice(request: Request) -> Response:
    desk = Desk.of(request)
    viewer, form = await posted(request, ("secretariat",))
    year = _year(form)
    kind, serial, when, half = _notice_options(form)
    made = await run_in_threadpool(notice_file, desk.store, year, kind, serial, when, half)
    return await run_in_threadpool(_sent, desk, request, viewer, "notice", {"year": year, "kind": kind, "serial": serial},
                                   made)
