"""Add users to workspaces, check passwords, find a user's role."""

from __future__ import annotations

from accounts.roles import Role
from accounts.users import repository
from accounts.users.models import Membership, User
from accounts.users.passwords import hash_password, verify
from accounts.workspaces.models import Workspace
from crm.db import Database
from crm.normalize import normalize_email
from kernel.errors import ValidationFailed


def _email(raw: str) -> str:
    """Sign-in emails match whatever their case."""
    return normalize_email(raw).lower()


async def add(
    system: Database, email: str, role: Role, workspace: Workspace, password: str | None
) -> User:
    """The user (created when new; a given password is set) with `role` in `workspace`."""
    email = _email(email)
    hashed = hash_password(password) if password is not None else None
    row = await repository.by_email(system, email)
    if row is None:
        row = await repository.create_user(system, email, hashed)
    elif hashed is not None:
        await repository.set_password(system, row["id"], hashed)
    await repository.put_membership(system, row["id"], workspace.id, role.value)
    return User.model_validate(row)


async def authenticate(system: Database, email: str, password: str) -> User | None:
    try:
        email = _email(email)
    except ValidationFailed:
        email = ""
    row = await repository.by_email(system, email) if email else None
    if not verify(password, row.get("password_hash") if row else None) or row is None:
        return None
    return User.model_validate(row)


async def get(system: Database, key: str) -> User | None:
    row = await repository.get(system, key)
    return User.model_validate(row) if row else None


async def role_in(system: Database, user: str, workspace: str) -> Role | None:
    found = await repository.membership(system, user, workspace)
    return Role(found["role"]) if found else None


async def memberships(system: Database, user: str) -> list[Membership]:
    return [Membership.model_validate(r) for r in await repository.memberships_of(system, user)]


async def lookup(system: Database, email: str) -> tuple[User, bool] | None:
    """The user with this email, and whether they have set a password."""
    row = await repository.by_email(system, _email(email))
    return (User.model_validate(row), row.get("password_hash") is not None) if row else None


async def membership(system: Database, email: str, workspace: str) -> Membership | None:
    found = await lookup(system, email)
    row = await repository.membership(system, found[0].id, workspace) if found else None
    return Membership.model_validate(row) if row else None


async def members(system: Database, workspace: str) -> list[Membership]:
    return [Membership.model_validate(r) for r in await repository.members(system, workspace)]
