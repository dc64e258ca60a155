"""The desk as an ASGI application (Starlette): the routes, the static files, the security headers on every
response, and every refusal shown as a page with its code. Pages work without JavaScript (plain forms and
links); the store is the one the command line uses."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from formkit.errors import FormkitError
from formkit.store import Store
from formkit.web import documents, findings, recipient, review, staff
from formkit.web.auth import SecurityHeaders
from formkit.web.common import Desk, page, refusal
from formkit.web.pages import STATIC
from formkit.web.settings import desk_settings

ROUTES = [
    Route("/r/{token}", recipient.link_page),
    Route("/r/{token}/d/{form}/{recipient}", recipient.download),
    Route("/r/{token}/upload", recipient.upload, methods=["POST"]),
    Route("/r/{token}/attach", recipient.attach_report, methods=["POST"]),
    Route("/r/{token}/s/{id:int}", recipient.submission_page),
    Route("/login", staff.login_form),
    Route("/login", staff.login, methods=["POST"]),
    Route("/logout", staff.logout, methods=["POST"]),
    Route("/", staff.dashboard),
    Route("/s/{id:int}", staff.submission_page),
    Route("/s/{id:int}/original", staff.original),
    Route("/missing.xlsx", staff.missing_list),
    Route("/findings", findings.findings_page),
    Route("/documents", documents.documents_page),
    Route("/documents/dossier", documents.dossier, methods=["POST"]),
    Route("/documents/notice", documents.notice, methods=["POST"]),
    Route("/accounts", staff.accounts_page),
    Route("/accounts", staff.change_account, methods=["POST"]),
    Route("/links", staff.links_page),
    Route("/links", staff.change_link, methods=["POST"]),
    Route("/review", review.review_page),
    Route("/review", review.review_act, methods=["POST"]),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


async def _refused(request: Request, exc: FormkitError) -> Response:
    return refusal(request, exc)


async def _login(request: Request, _exc: staff.LoginNeeded) -> Response:
    return RedirectResponse("/login", status_code=303)


async def _http(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404:
        return refusal(request, FormkitError("desk.not-found", "没有这个页面"))
    return page(request, "error.html", status_code=exc.status_code, code=f"HTTP {exc.status_code}",
                message="请求无法处理")


def create_app(db_url: str | None = None, originals: str | Path | None = None) -> Starlette:
    """The desk on the store at ``db_url`` (default ``FORMKIT_DB``; it must exist: ``store.not-found``)."""
    store = Store(db_url, originals, create=False)
    settings = desk_settings()

    @asynccontextmanager
    async def lifespan(_app):
        yield
        store.close()

    app = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers={
        FormkitError: _refused, staff.LoginNeeded: _login, HTTPException: _http})
    app.state.desk = Desk(store, settings)
    app.add_middleware(SecurityHeaders, https=settings.base_url.startswith("https://"))
    return app
