"""Create, find, rename and delete workspaces; each one's database and settings."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

from pydantic import SecretStr

from accounts.audit import service as audit
from accounts.workspaces import repository
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from crm.db import Database
from crm.schema import migrate
from kernel.errors import Conflict, NotFound, ValidationFailed
from kernel.settings import Settings


@dataclass(frozen=True)
class Scope:
    """A workspace, its database and its settings."""

    workspace: Workspace
    db: Database
    settings: Settings


_KEY_ALPHABET = string.ascii_lowercase + string.digits
PUBLIC_PREFIX = "/w"


def _name(name: str) -> tuple[str, str]:
    """The name as shown, and the key that keeps names unique whatever their case."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("a workspace needs a name of 1 to 100 characters")
    return name, name.casefold()


async def ensure_default(system: Database, settings: Settings) -> Workspace:
    """The workspace `main`, whose data is the database the deployment was configured with."""
    found = await repository.get(system, DEFAULT_WORKSPACE)
    if found is None:
        row = {"name": DEFAULT_WORKSPACE, "name_key": DEFAULT_WORKSPACE}
        try:
            found = await repository.create(
                system, DEFAULT_WORKSPACE, row | {"database": settings.db_database}
            )
        except Conflict:  # another process made it first
            found = await repository.get(system, DEFAULT_WORKSPACE)
    return Workspace.model_validate(found)


async def create(system: Database, name: str) -> Workspace:
    shown, key = _name(name)
    if await repository.by_name(system, key) is not None:
        raise Conflict(f"a workspace named {shown!r} exists already")
    ident = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(12))
    row = {"name": shown, "name_key": key, "database": f"ws_{ident}"}
    try:
        workspace = Workspace.model_validate(await repository.create(system, ident, row))
    except Conflict:
        raise Conflict(f"a workspace named {shown!r} exists already") from None
    await migrate(data(system, workspace))
    return workspace


async def list_workspaces(system: Database) -> list[Workspace]:
    return [Workspace.model_validate(r) for r in await repository.all_workspaces(system)]


async def get(system: Database, ref: str) -> Workspace | None:
    """By id or by name (any case)."""
    row = await repository.get(system, ref) or await repository.by_name(system, _name(ref)[1])
    return Workspace.model_validate(row) if row else None


async def require(system: Database, ref: str) -> Workspace:
    found = await get(system, ref)
    if found is None:
        raise NotFound(f"no workspace {ref!r}")
    return found


async def rename(system: Database, ref: str, name: str) -> Workspace:
    workspace = await require(system, ref)
    shown, key = _name(name)
    other = await repository.by_name(system, key)
    if other is not None and other["id"] != workspace.id:
        raise Conflict(f"a workspace named {shown!r} exists already")
    return Workspace.model_validate(await repository.rename(system, workspace.id, shown, key))


async def set_four_eyes(system: Database, ref: str, on: bool, *, actor: str) -> Workspace:
    """Turn the four-eyes rule on or off: with it, a campaign's approver must differ from
    whoever last edited its assets."""
    workspace = await require(system, ref)
    changed = Workspace.model_validate(await repository.set_four_eyes(system, workspace.id, on))
    await audit.record(
        system,
        "workspace.set",
        actor=actor,
        workspace=workspace.id,
        target=workspace.id,
        details={"four_eyes": on},
    )
    return changed


async def delete(system: Database, ref: str) -> Workspace:
    """Everything in it, for good. Refused for the default workspace and while a campaign of
    it is running."""
    from campaigns import service as campaigns  # here: loading campaigns takes a while
    from campaigns.models import State

    workspace = await require(system, ref)
    if workspace.is_default:
        raise ValidationFailed("the default workspace `main` cannot be deleted")
    running = [
        c.name
        for c in await campaigns.list_all(data(system, workspace), limit=1000)
        if c.state is State.RUNNING
    ]
    if running:
        raise Conflict(
            f"campaigns are running in workspace {workspace.name!r}: {', '.join(running)}; "
            "pause or cancel them first",
            details={"running": running},
        )
    await repository.delete(system, workspace.id, workspace.database)
    return workspace


def data(db: Database, workspace: Workspace) -> Database:
    """The database with the workspace's data, on the same connection as `db`."""
    return db.using(workspace.database)


async def open_all(system: Database, settings: Settings) -> list[Scope]:
    """Every workspace with its database (migrated to the current schema) and settings."""
    scopes = []
    for workspace in await list_workspaces(system):
        own = data(system, workspace)
        await migrate(own)
        scopes.append(Scope(workspace, own, settings_for(settings, workspace)))
    return scopes


def settings_for(settings: Settings, workspace: Workspace) -> Settings:
    """The default workspace keeps the configured settings. Another one's public links start
    with /w/ID, and its tokens are signed with a key of its own, so a link made for one
    workspace is refused by every other."""
    if workspace.is_default:
        return settings
    own = hmac.new(
        settings.signing_key().encode(), f"workspace:{workspace.id}".encode(), hashlib.sha256
    ).hexdigest()
    return settings.model_copy(
        update={
            "base_url": f"{settings.base_url.rstrip('/')}{PUBLIC_PREFIX}/{workspace.id}",
            "secret_key": SecretStr(own),
        }
    )
