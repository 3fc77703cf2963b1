"""`/app/login` and `/app/logout`: the login contract scripts rely on (one form, fields
`email` and `password`, the session cookie set and a redirect into `/app`); `/app/workspace`:
a new session in another of the user's workspaces."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from accounts import signin
from accounts.roles import Permission
from accounts.sessions import service as sessions
from api.auth import SESSION_COOKIE
from api.console import csrf
from api.console.deps import Person, console_router
from api.console.render import LOGIN, page
from api.deps import State, System
from api.permissions import requires
from api.routers.auth import set_session_cookie
from api.routers.passwords import client_ip
from kernel.errors import CRMError, RateLimited

router = console_router(prefix="/app")


def _inside(target: str) -> str:
    """Only a path of the console: never another site."""
    return target if target.startswith("/app") and not target.startswith("/app/login") else "/app"


@router.get("/login", **requires(Permission.PUBLIC))
async def login_form(request: Request, next: str = "/app") -> Response:
    return page(request, "login.jinja", next=_inside(next), email="", message="")


@router.post("/login", **requires(Permission.PUBLIC))
async def login(
    request: Request,
    state: State,
    system: System,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=500)] = "/app",
) -> Response:
    try:
        done = await signin.sign_in(
            system,
            email,
            password,
            state.settings,
            ip=client_ip(request),
            now=datetime.fromtimestamp(state.clock(), UTC),
        )
    except CRMError as exc:
        answer = page(
            request,
            "login.jinja",
            status_code=exc.status,
            next=_inside(next),
            email=email,
            message=exc.message,
        )
        if isinstance(exc, RateLimited) and "retry_after" in exc.details:
            answer.headers["retry-after"] = str(exc.details["retry_after"])
        return answer
    response = RedirectResponse(_inside(next), status_code=303)
    set_session_cookie(response, done.token, state.settings)
    # A new form token with the new session.
    response.raw_headers.append(
        (
            b"set-cookie",
            csrf.set_cookie_header(
                secrets.token_urlsafe(32), secure=state.settings.base_url.startswith("https://")
            ),
        )
    )
    return response


@router.post("/logout", **requires(Permission.PUBLIC))
async def logout(request: Request, system: System) -> Response:
    await sessions.end(system, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/workspace", **requires(Permission.READ))
async def switch_workspace(
    request: Request,
    caller: Person,
    state: State,
    system: System,
    workspace: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    done = await signin.switch(
        system,
        request.cookies.get(SESSION_COOKIE, ""),
        workspace,
        ip=client_ip(request),
        now=datetime.fromtimestamp(state.clock(), UTC),
    )
    response = RedirectResponse("/app", status_code=303)
    set_session_cookie(response, done.token, state.settings)
    return response
