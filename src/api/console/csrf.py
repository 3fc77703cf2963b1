"""Double-submit CSRF tokens for requests a browser's session cookie authenticates.

`CsrfCookie` gives every browser a random token in an HttpOnly cookie and hands it to the page
being rendered (`token(request)`). A state-changing request must send the same token back:
console forms as the hidden field `csrf_token` (checked by `check_form`), scripts and REST
clients signed in with the session cookie as the `X-CSRF-Token` header (checked here, for
`/api/` and `/auth/`). Requests with an `Authorization` header are exempt: a bearer key is not
sent by the browser on its own."""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import SESSION_COOKIE
from api.errors import error_response
from kernel.errors import Forbidden

COOKIE = "crm_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CHECKED_PREFIXES = ("/api/", "/auth/")
EXEMPT_PATHS = frozenset({"/auth/login"})  # the password is the proof; no session yet
REFUSED = "the form has expired or did not come from this site: reload the page and try again"


def matches(expected: str, given: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def token(request: Request) -> str:
    """The token to put in this page's forms."""
    return str(request.scope["state"]["csrf_token"])


def _cookies(scope: Scope) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 - a malformed cookie header is as good as none
                continue
    return jar


def _header(scope: Scope, wanted: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == wanted), "")


def set_cookie_header(value: str, *, secure: bool) -> bytes:
    jar: SimpleCookie = SimpleCookie()
    jar[COOKIE] = value
    jar[COOKIE]["path"] = "/"
    jar[COOKIE]["httponly"] = True
    jar[COOKIE]["samesite"] = "Lax"
    jar[COOKIE]["secure"] = secure
    return jar.output(header="").strip().encode("latin-1")


class CsrfCookie:
    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        jar = _cookies(scope)
        current = jar[COOKIE].value if COOKIE in jar else ""
        path = str(scope.get("path", ""))
        if (
            scope["method"] not in SAFE_METHODS
            and path.startswith(CHECKED_PREFIXES)
            and path not in EXEMPT_PATHS
            and SESSION_COOKIE in jar
            and not _header(scope, b"authorization")
            and not matches(current, _header(scope, HEADER.encode()))
        ):
            refused = error_response(403, Forbidden.code, REFUSED, {"csrf": "missing or wrong"})
            await refused(scope, receive, send)
            return
        fresh = "" if current else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = current or fresh

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", set_cookie_header(fresh, secure=self.secure)))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def check_form(request: Request) -> None:
    """A console request that changes something carries the token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(HEADER, "")
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FIELD)
            given = value if isinstance(value, str) else ""
    if not matches(request.cookies.get(COOKIE, ""), given):
        raise Forbidden(REFUSED, details={"csrf": "missing or wrong"})
