"""`POST /auth/login`, `POST /auth/logout`, `GET /auth/me`: browser sessions for people (and
`api.routers.passwords`: reset and set-password links).

The session token travels only in an HttpOnly, SameSite=Lax cookie (Secure when the base URL
is https); the API's answers never contain it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import signin
from accounts.roles import PERMISSIONS, Permission, Role
from accounts.sessions import service as sessions
from api.auth import SESSION_COOKIE, Caller
from api.deps import State, System
from api.permissions import requires
from api.routers import passwords
from api.routers.passwords import client_ip
from api.schemas import error_responses
from kernel.settings import Settings

router = APIRouter(prefix="/auth", tags=["auth"])
router.include_router(passwords.router)


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320, examples=["ana@example.com"])
    password: str = Field(max_length=1000, examples=["correct horse battery"])
    workspace: str = Field(
        default="", max_length=100, description="Id or name; default: main, or your first."
    )


class WorkspaceRef(BaseModel):
    id: str
    name: str


class Me(BaseModel):
    id: str = Field(description="`user:ID`, `key:ID`, `env:…` or `local`.")
    name: str = Field(description="The user's email, or the key's name.")
    user: str | None = Field(description="The user id, for people; null for API keys.")
    role: Role
    workspace: WorkspaceRef
    permissions: list[Permission]


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
        path="/",
    )


def _me(caller_id: str, name: str, user: str | None, role: Role, ws: WorkspaceRef) -> Me:
    allowed = sorted(PERMISSIONS[role], key=list(Permission).index)
    return Me(id=caller_id, name=name, user=user, role=role, workspace=ws, permissions=allowed)


@router.post(
    "/login",
    response_model=Me,
    responses=error_responses(400, 401, 429),
    **requires(Permission.PUBLIC),
)
async def login(
    body: Login, request: Request, response: Response, state: State, system: System
) -> Me:
    """Sign in with email and password; sets the session cookie. Too many failures lock the
    account (or the address) for a while: 429 with Retry-After, even for the right password."""
    done = await signin.sign_in(
        system,
        body.email,
        body.password,
        state.settings,
        workspace=body.workspace,
        ip=client_ip(request),
        now=datetime.fromtimestamp(state.clock(), UTC),
    )
    set_session_cookie(response, done.token, state.settings)
    ws = WorkspaceRef(id=done.workspace.id, name=done.workspace.name)
    return _me(f"user:{done.user.id}", done.user.email, done.user.id, done.role, ws)


@router.post("/logout", status_code=204, response_class=Response, **requires(Permission.PUBLIC))
async def logout(request: Request, system: System) -> Response:
    """End the session (if any) and clear its cookie."""
    await sessions.end(system, request.cookies.get(SESSION_COOKIE, ""))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me, responses=error_responses(401), **requires(Permission.READ))
async def me(caller: Caller) -> Me:
    """Who the session or key is, where, and what it may do."""
    ws = WorkspaceRef(id=caller.workspace.id, name=caller.workspace.name)
    return _me(caller.id, caller.name, caller.user, caller.role, ws)
