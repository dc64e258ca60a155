"""Who is asking, and may they: the client's address (from a trusted reverse proxy only), the staff session
from its cookie, the CSRF token every form carries, and the headers every response gets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from formkit.errors import FormkitError
from formkit.store import Store
from formkit.store.accounts import Account
from formkit.web.settings import DeskSettings

SESSION_COOKIE = "fk_session"
LOGIN_COOKIE = "fk_login"  # the login form's CSRF token (double-submit: no session exists yet)
HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # a recipient's link is in the address: never sent on
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cache-control": "no-store",
}


def client_address(request: Request, settings: DeskSettings) -> str | None:
    """The connection's address; behind a trusted proxy (``desk.trusted_proxies``) the nearest address in
    X-Forwarded-For that is not itself a trusted proxy. A header from anyone else is ignored."""
    peer = request.client.host if request.client else None
    if peer not in settings.trusted_proxies:
        return peer
    chain = [p.strip() for p in request.headers.get("x-forwarded-for", "").split(",") if p.strip()]
    for address in reversed(chain):
        if address not in settings.trusted_proxies:
            return address[:64]
    return peer


def staff(request: Request, store: Store) -> tuple[Account, str] | None:
    """(account, CSRF token) of the request's session, if it is open."""
    token = request.cookies.get(SESSION_COOKIE)
    return store.session(token) if token else None


def link_csrf(token: str) -> str:
    """The CSRF token of a recipient's pages: derived from the link's token (which only its holder has)."""
    return hmac.new(token.encode(), b"formkit-desk-csrf", hashlib.sha256).hexdigest()


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def check_csrf(expected: str | None, given: object) -> None:
    if not expected or not isinstance(given, str) or not hmac.compare_digest(expected.encode(), given.encode()):
        raise FormkitError("desk.csrf", "表单已过期或来源不明（缺少有效的校验码），未处理；请刷新页面后重试")


def same_origin(request: Request, settings: DeskSettings) -> None:
    """A POST whose Origin (sent by every current browser) is another site's is refused. The desk's own is the
    address it was reached at, or its public one (``desk.base_url``: behind a reverse proxy that terminates
    HTTPS, the browser's origin is that, not the proxy's plain-HTTP request)."""
    origin = (request.headers.get("origin") or "").rstrip("/")
    public = urlsplit(settings.base_url)
    own = {f"{request.url.scheme}://{request.url.netloc}", f"{public.scheme}://{public.netloc}"}
    if origin and origin != "null" and origin not in own:
        raise FormkitError("desk.csrf", "请求来自其他网站，未处理")


def cookie_options(settings: DeskSettings) -> dict:
    return {"httponly": True, "samesite": "strict", "secure": settings.base_url.startswith("https://"), "path": "/"}


class SecurityHeaders:
    """Adds :data:`HEADERS` (and HSTS when the public address is HTTPS) to every response."""

    def __init__(self, app: ASGIApp, https: bool = False):
        self.app = app
        extra = {"strict-transport-security": "max-age=31536000"} if https else {}
        self.headers = [(k.encode(), v.encode()) for k, v in {**HEADERS, **extra}.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _v in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in self.headers if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)
