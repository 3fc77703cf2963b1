"""A workspace's people, as its owners manage them: add or invite, list, remove, change roles.
Every change is audited; a workspace always keeps an owner, and nobody grants a role above
their own (`by`: the role of the person doing it; None for the CLI on the database)."""

from __future__ import annotations

from accounts.audit import service as audit
from accounts.roles import PERMISSIONS, Role
from accounts.users import links, repository
from accounts.users import service as users
from accounts.users.models import Added, Membership
from accounts.workspaces.models import Workspace
from crm.db import Database
from kernel.errors import Conflict, Forbidden, NotFound
from kernel.settings import Settings


async def add(
    system: Database,
    settings: Settings,
    email: str,
    role: Role,
    workspace: Workspace,
    *,
    password: str | None,
    actor: str,
    actor_name: str = "",
    by: Role | None = None,
    ip: str = "",
) -> Added:
    """With a password, the user can sign in at once; without one, a user who has none yet is
    sent an invitation to set it (a user who has one is just added). `settings`: the
    deployment's (the link's base URL and signing key)."""
    _may_grant(by, role)
    before = await users.lookup(system, email)
    user = await users.add(system, email, role, workspace, password)
    invite = password is None and (before is None or not before[1])
    invitation = (
        await links.send(system, settings, user, "invitation", workspace) if invite else None
    )
    await audit.record(
        system,
        "user.invite" if invite else "user.add",
        actor=actor,
        actor_name=actor_name,
        workspace=workspace.id,
        target=user.email,
        ip=ip,
        details={"role": role.value},
    )
    return Added(
        user=user.id,
        email=user.email,
        workspace=workspace.id,
        role=role,
        pending=invite,
        invitation=invitation,
    )


async def members(system: Database, workspace: Workspace) -> list[Membership]:
    return await users.members(system, workspace.id)


def _may_grant(by: Role | None, role: Role) -> None:
    if by is not None and not PERMISSIONS[role] <= PERMISSIONS[by]:
        raise Forbidden(
            f"your role ({by.value}) cannot grant the role {role.value}",
            details={"role": by.value, "wanted": role.value},
        )


async def _member(system: Database, email: str, workspace: Workspace) -> Membership:
    found = await users.membership(system, email, workspace.id)
    if found is None:
        raise NotFound(f"{email} is not a member of workspace {workspace.name!r}")
    return found


async def _keep_an_owner(system: Database, member: Membership, workspace: Workspace) -> None:
    owners = [m for m in await users.members(system, workspace.id) if m.role is Role.OWNER]
    if member.role is Role.OWNER and len(owners) <= 1:
        raise Conflict(
            f"{member.email} is the last owner of workspace {workspace.name!r}: "
            "make someone else owner first"
        )


async def remove(
    system: Database,
    email: str,
    workspace: Workspace,
    *,
    actor: str,
    actor_name: str = "",
    ip: str = "",
) -> Membership:
    """Takes the user out of the workspace (their sessions in it end); the user stays."""
    member = await _member(system, email, workspace)
    await _keep_an_owner(system, member, workspace)
    await repository.delete_membership(system, member.user, workspace.id)
    await audit.record(
        system,
        "user.remove",
        actor=actor,
        actor_name=actor_name,
        workspace=workspace.id,
        target=member.email,
        ip=ip,
    )
    return member


async def set_role(
    system: Database,
    email: str,
    role: Role,
    workspace: Workspace,
    *,
    actor: str,
    actor_name: str = "",
    by: Role | None = None,
    ip: str = "",
) -> Membership:
    _may_grant(by, role)
    member = await _member(system, email, workspace)
    if role is not Role.OWNER:
        await _keep_an_owner(system, member, workspace)
    await repository.put_membership(system, member.user, workspace.id, role.value)
    await audit.record(
        system,
        "user.role",
        actor=actor,
        actor_name=actor_name,
        workspace=workspace.id,
        target=member.email,
        ip=ip,
        details={"from": member.role.value, "to": role.value},
    )
    return member.model_copy(update={"role": role})
