"""Pages: the jinja2 templates, the console's Content-Security-Policy, and errors as pages.

`ConsoleRoute` is the console's route class: a failure (a service's `CRMError`, bad input, a
bug) becomes a page in the console's layout instead of the API's JSON, and a missing or
expired session becomes a redirect to the login page."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from accounts.principals import Principal
from accounts.roles import Permission
from api.console import csrf
from kernel.errors import CRMError, Unauthorized
from kernel.logs import get_logger

log = get_logger(__name__)
HERE = Path(__file__).parent
LOGIN = "/app/login"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals["Permission"] = Permission


def page(
    request: Request,
    template: str,
    *,
    caller: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """`template` rendered with the caller (for the layout and `can`) and the form token."""

    def can(permission: Permission) -> bool:
        return caller is not None and caller.can(permission)

    body = templates.get_template(template).render(
        caller=caller,
        can=can,
        csrf_token=csrf.token(request),
        path=request.url.path,
        **context,
    )
    return HTMLResponse(body, status_code=status_code, headers={"content-security-policy": CSP})


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path
    query = (
        f"?next={quote(target, safe='/')}" if request.method == "GET" and target != "/app" else ""
    )
    return RedirectResponse(LOGIN + query, status_code=303)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    caller = getattr(request.state, "console_caller", None)
    return page(
        request, "error.jinja", caller=caller, status_code=status, title=title, message=message
    )


_TITLES = {
    400: "That did not work",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "That did not work",
    429: "Slow down",
}


async def render_failure(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Unauthorized):
        return to_login(request)
    if isinstance(exc, CRMError):
        title = _TITLES.get(exc.status, "Something went wrong")
        return error_page(request, exc.status, title, exc.message)
    if isinstance(exc, RequestValidationError):
        problems = "; ".join(str(e.get("msg", "")) for e in exc.errors()) or "invalid input"
        return error_page(request, 400, _TITLES[400], problems)
    if isinstance(exc, StarletteHTTPException):
        title = _TITLES.get(exc.status_code, "Something went wrong")
        return error_page(request, exc.status_code, title, str(exc.detail))
    log.exception("console.unexpected_error", path=request.url.path, error=type(exc).__name__)
    return error_page(
        request, 500, "Something went wrong", "Something went wrong on our side; try again."
    )


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return await render_failure(request, exc)

        return handle
