"""Signing in: check the locks, the password, pick the workspace, start a session; each
attempt is audited (the email as target, never the password). A signed-in user moves to
another of their workspaces with a new session that ends when the old one would have."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from accounts.audit import service as audit
from accounts.logins import service as logins
from accounts.roles import Role
from accounts.sessions import service as sessions
from accounts.sessions.models import Session
from accounts.users import service as users
from accounts.users.models import User
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from crm.db import Database
from kernel.errors import NotFound, RateLimited, Unauthorized
from kernel.settings import Settings

WRONG = "wrong email or password"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class SignedIn:
    token: str  # for the cookie; never stored, never logged
    session: Session
    user: User
    workspace: Workspace
    role: Role


async def _chosen(system: Database, user: User | None, workspace: str) -> tuple[Workspace, Role]:
    """In `workspace` (id or name), else the default one if the user belongs to it, else the
    first they belong to."""
    if user is None:
        raise Unauthorized(WRONG)
    member_of = await users.memberships(system, user.id)
    if workspace:
        chosen = await workspaces.get(system, workspace)
        wanted = chosen.id if chosen else None
    else:
        ids = [m.workspace for m in member_of]
        wanted = DEFAULT_WORKSPACE if DEFAULT_WORKSPACE in ids else (ids[0] if ids else None)
    membership = next((m for m in member_of if m.workspace == wanted), None)
    found = await workspaces.get(system, wanted) if membership and wanted else None
    if membership is None or found is None:
        raise Unauthorized(WRONG)
    return found, membership.role


async def sign_in(
    system: Database,
    email: str,
    password: str,
    settings: Settings,
    *,
    workspace: str = "",
    ip: str = "",
    now: datetime | None = None,
) -> SignedIn:
    """Unknown users, wrong passwords and workspaces the user is not in all answer the same.
    A locked account or address is refused before the password is looked at."""
    now = now or datetime.now(UTC)
    target = email.strip()[:320]
    try:
        await logins.check(system, email, ip, settings, now)
        user = await users.authenticate(system, email, password)
        found, role = await _chosen(system, user, workspace)
    except (Unauthorized, RateLimited) as exc:
        if isinstance(exc, Unauthorized):
            await logins.failed(system, email, ip, settings, now)
        await audit.record(
            system,
            "auth.login_failed",
            actor=ANONYMOUS,
            workspace=DEFAULT_WORKSPACE,
            target=target,
            ip=ip,
            details={"reason": "locked" if isinstance(exc, RateLimited) else "wrong"},
        )
        raise
    assert user is not None
    await logins.succeeded(system, email, settings)
    token, session = await sessions.start(system, user.id, found.id, hours=settings.session_hours)
    await audit.record(
        system,
        "auth.login",
        actor=f"user:{user.id}",
        actor_name=user.email,
        workspace=found.id,
        target=user.email,
        ip=ip,
    )
    return SignedIn(token, session, user, found, role)


async def workspaces_of(system: Database, user: str) -> list[Workspace]:
    """The workspaces the user is a member of, oldest first."""
    member_of = {m.workspace for m in await users.memberships(system, user)}
    return [w for w in await workspaces.list_workspaces(system) if w.id in member_of]


async def switch(
    system: Database, token: str, workspace: str, *, ip: str = "", now: datetime | None = None
) -> SignedIn:
    """The session of `token` ended and a new one started in `workspace` (id or name), which
    the user must be a member of; the password is not asked again, so the new session ends
    when the old one would have."""
    now = now or datetime.now(UTC)
    found = await sessions.resolve(system, token, now)
    if found is None:
        raise Unauthorized("your session expired or you signed out: sign in again")
    user = await users.get(system, found.session.user)
    try:
        chosen, role = await _chosen(system, user, workspace or DEFAULT_WORKSPACE)
    except Unauthorized:
        raise NotFound(f"you are not a member of a workspace {workspace!r}") from None
    assert user is not None
    left = (found.session.expires_at - now).total_seconds() / 3600
    await sessions.end(system, token)
    new_token, session = await sessions.start(system, user.id, chosen.id, hours=left, now=now)
    await audit.record(
        system,
        "auth.switch",
        actor=f"user:{user.id}",
        actor_name=user.email,
        workspace=chosen.id,
        target=user.email,
        ip=ip,
        details={"from": found.workspace.id},
    )
    return SignedIn(new_token, session, user, chosen, role)
