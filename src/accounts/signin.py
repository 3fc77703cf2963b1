"""Signing in: check the password, pick the workspace, start a session."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.roles import Role
from accounts.sessions import service as sessions
from accounts.sessions.models import Session
from accounts.users import service as users
from accounts.users.models import User
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from crm.db import Database
from kernel.errors import Unauthorized

WRONG = "wrong email or password"


@dataclass(frozen=True)
class SignedIn:
    token: str  # for the cookie; never stored, never logged
    session: Session
    user: User
    workspace: Workspace
    role: Role


async def sign_in(
    system: Database, email: str, password: str, *, workspace: str = "", hours: float
) -> SignedIn:
    """In `workspace` (id or name), else the default one if the user belongs to it, else the
    first they belong to. Unknown users, wrong passwords and workspaces the user is not in
    all answer the same."""
    user = await users.authenticate(system, email, password)
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
    token, session = await sessions.start(system, user.id, found.id, hours=hours)
    return SignedIn(token, session, user, found, membership.role)
