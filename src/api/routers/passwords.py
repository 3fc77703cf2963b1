"""Password reset and set-password links (`/auth/reset`, `/auth/set-password`).

`POST /auth/reset` answers 202 and sends the link after answering, so neither the answer nor
its timing tells whether the email has an account; it is limited per client IP. The link opens
a small page (no script, the hosted pages' stylesheet allowed by its hash); setting the
password there, or with JSON, spends the link and does not sign in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from accounts.roles import Permission
from accounts.users import links
from accounts.users.passwords import MAX_LENGTH, MIN_LENGTH
from api.deps import AppState, State, System
from api.limits import retry_after_header
from api.permissions import requires
from api.schemas import ErrorBody, error_responses
from crm.db import Database
from kernel.errors import CRMError, RateLimited, ValidationFailed
from kernel.logs import get_logger
from landing_pages.render import css, page_headers, render_message

log = get_logger(__name__)
router = APIRouter(tags=["auth"])

HTML: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}
PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The form to set a password", "content": HTML},
    400: {"description": "The link is not valid, expired or used", "content": HTML},
}
SET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Password set (JSON, or a page for a form)", "content": HTML},
    400: {"description": "The link is not valid, expired or used (a page)", "content": HTML},
    422: {
        "description": "Invalid input, or a link not valid, expired or used (JSON)",
        "content": {"application/json": {"schema": ErrorBody.model_json_schema()}} | HTML,
    },
}


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320, examples=["ana@example.com"])


class Accepted(BaseModel):
    message: str


class SetPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=1000, description="From the emailed link.")
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class PasswordSet(BaseModel):
    email: str
    message: str


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _now(state: AppState) -> datetime:
    return datetime.fromtimestamp(state.clock(), UTC)


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=page_headers())


def _environment() -> Environment:
    return Environment(
        loader=ChoiceLoader(
            [PackageLoader("api", "templates"), PackageLoader("landing_pages", "templates")]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def _form(token: str, email: str, purpose: str, error: str = "", status: int = 200) -> Response:
    heading = "Welcome: set your password" if purpose == "invitation" else "Set a new password"
    body = (
        _environment()
        .get_template("set_password.html.jinja")
        .render(
            title=heading,
            description=None,
            robots="noindex",
            css=Markup(css()),  # noqa: S704 - our own static stylesheet
            heading=heading,
            email=email,
            token=token,
            error=error,
            action=links.SET_PASSWORD_PATH,
            min_length=MIN_LENGTH,
            max_length=MAX_LENGTH,
        )
    )
    return _page(body, status)


def _refused(reason: str) -> Response:
    return _page(render_message("This link does not work", reason), 400)


@router.post(
    "/reset",
    status_code=202,
    response_model=Accepted,
    responses=error_responses(400, 422, 429),
    **requires(Permission.PUBLIC),
)
async def reset(
    body: ResetRequest,
    request: Request,
    background: BackgroundTasks,
    state: State,
    system: System,
) -> Accepted:
    """Email a link to set a new password, if the address has an account: 202 either way.
    Limited per client IP like landing page forms (429 with Retry-After)."""
    wait = state.form_limiter.hit(f"reset:{client_ip(request)}")
    if wait:
        raise RateLimited(
            "too many reset requests from your address; try again soon",
            details={"retry_after": retry_after_header(wait)},
        )
    background.add_task(_send_reset, system, state, body.email, client_ip(request), _now(state))
    return Accepted(message="if this email has an account, a link to reset it is on its way")


async def _send_reset(
    system: Database, state: AppState, email: str, ip: str, now: datetime
) -> None:
    try:
        await links.request_reset(
            system, state.settings, email, None, actor="anonymous", ip=ip, now=now
        )
    except CRMError as exc:
        log.warning("auth.reset_not_sent", error=exc.message)


@router.get(
    "/set-password",
    response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
    **requires(Permission.PUBLIC),
)
async def set_password_page(
    state: State, system: System, token: str = Query(default="", max_length=1000)
) -> Response:
    """The page an invitation or reset link opens: a form to set the password."""
    try:
        user, link = await links.check(system, state.settings, token, now=_now(state))
    except ValidationFailed as exc:
        return _refused(exc.message)
    return _form(token, user.email, link.purpose)


@router.post(
    "/set-password",
    response_model=PasswordSet,
    responses=SET_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": SetPassword.model_json_schema()},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "token": {"type": "string"},
                            "password": {"type": "string"},
                            "confirm": {"type": "string"},
                        },
                    }
                },
            },
        }
    },
    **requires(Permission.PUBLIC),
)
async def set_password(request: Request, state: State, system: System) -> Response:
    """Set the password with the link's token (JSON, or the page's form); the link is spent.
    Signing in is a separate step."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return await _set_from_json(request, state, system)
    try:
        form = await request.form(max_files=0, max_fields=10)
    except StarletteHTTPException:  # not a form this page sent: no token in it
        form = FormData()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    token, password = fields.get("token", ""), fields.get("password", "")
    try:
        user, link = await links.check(system, state.settings, token, now=_now(state))
    except ValidationFailed as exc:
        return _refused(exc.message)
    if password != fields.get("confirm", ""):
        return _form(token, user.email, link.purpose, "the two passwords differ", 422)
    try:
        await links.use(
            system, state.settings, token, password, ip=client_ip(request), now=_now(state)
        )
    except ValidationFailed as exc:
        return _form(token, user.email, link.purpose, exc.message, 422)
    return _page(render_message("Password set", f"Sign in as {user.email} with your new password."))


async def _set_from_json(request: Request, state: State, system: Database) -> Response:
    try:
        body = SetPassword.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ValidationFailed(f"{where}: {first['msg']}") from None
    user = await links.use(
        system, state.settings, body.token, body.password, ip=client_ip(request), now=_now(state)
    )
    done = PasswordSet(email=user.email, message="password set: sign in with it")
    return JSONResponse(done.model_dump())
