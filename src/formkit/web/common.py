"""What the desk's pages share: the desk itself (its store and settings), a page rendered, a file sent as an
attachment (never with a type a browser would run or show), the upload size check, and a refusal shown as a
page with its code."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from formkit.errors import FormkitError
from formkit.store import Store
from formkit.web.auth import client_address
from formkit.web.pages import render
from formkit.web.settings import DeskSettings

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MULTIPART_SLACK = 64 * 1024  # the form's other fields and boundaries around the file
STATUS = {"desk.bad-link": 404, "desk.link-expired": 410, "desk.not-found": 404, "desk.no-issued-file": 404,
          "desk.csrf": 403, "desk.forbidden": 403, "desk.bad-login": 401, "desk.throttled": 429,
          "desk.too-large": 413}


@dataclass
class Desk:
    store: Store
    settings: DeskSettings  # those not about one year (addresses, sessions, logins)

    @staticmethod
    def of(request: Request) -> Desk:
        return request.app.state.desk

    def address(self, request: Request) -> str | None:
        return client_address(request, self.settings)


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    context.setdefault("staff", None)
    return HTMLResponse(render(template, **context), status_code=status_code)


def attachment(data: bytes, filename: str, media_type: str = "application/octet-stream") -> Response:
    """Bytes to save, never to open in the browser: an attachment of a type no browser renders."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename) or "download"
    return Response(data, media_type=media_type, headers={
        "content-disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"})


def too_large(request: Request, limit: int) -> bool:
    """Whether an upload is refused before its body is read: its declared length is above the limit, or it
    declares none (a body of unknown length is not taken)."""
    length = request.headers.get("content-length", "")
    return not length.isdigit() or int(length) > limit + MULTIPART_SLACK


def refusal(request: Request, exc: FormkitError) -> HTMLResponse:
    return page(request, "error.html", status_code=STATUS.get(exc.code, 400), code=exc.code, message=exc.message)
