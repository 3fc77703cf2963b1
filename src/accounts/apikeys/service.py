"""Create, list, revoke and check API keys. A key works in one workspace with one role."""

from __future__ import annotations

import hmac
import secrets

from accounts.apikeys import repository
from accounts.apikeys.models import PREFIX_LENGTH, ApiKey, NewApiKey, digest
from accounts.roles import PERMISSIONS, Role
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from crm.db import Database
from kernel.errors import Forbidden, NotFound, ValidationFailed

KEY_PREFIX = "crm_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create(
    system: Database, name: str, role: Role, workspace: Workspace, *, by: Role | None = None
) -> NewApiKey:
    """`by`: the role of the caller making it, who cannot hand out more than they may do."""
    if by is not None and not PERMISSIONS[role] <= PERMISSIONS[by]:
        raise Forbidden(
            f"your role ({by.value}) cannot create a key with the role {role.value}",
            details={"role": by.value, "wanted": role.value},
        )
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("an API key needs a name of 1 to 100 characters")
    key = new_key()
    row = {
        "name": name,
        "prefix": key[:PREFIX_LENGTH],
        "digest": digest(key),
        "role": role.value,
        "workspace": workspace.id,
    }
    stored = await repository.create(system, row)
    return NewApiKey.model_validate(stored | {"key": key})


async def list_keys(system: Database, workspace: Workspace | None = None) -> list[ApiKey]:
    """A workspace's keys, or every key."""
    rows = await repository.in_workspace(system, workspace.id if workspace else None)
    return [ApiKey.model_validate(r) for r in rows]


async def revoke(system: Database, ref: str, workspace: Workspace | None = None) -> ApiKey:
    """By id or by the prefix `crm apikeys list` shows; only a key of `workspace` if given."""
    row = await repository.get(system, ref)
    if row is None:
        matches = await repository.by_prefix(system, ref)
        if len(matches) > 1:
            raise ValidationFailed(f"prefix {ref!r} matches several keys; use the id")
        row = matches[0] if matches else None
    if row is None or (workspace is not None and row["workspace"] != workspace.id):
        raise NotFound(f"no API key {ref!r}")
    return ApiKey.model_validate(await repository.revoke(system, row["id"]))


async def lookup(system: Database, key: str) -> tuple[ApiKey, Workspace] | None:
    """The stored key whose digest matches `key` (revoked or not), with its workspace."""
    wanted = digest(key)
    row = await repository.by_digest(system, wanted)
    # The index finds the row; the digests are compared again in constant time so the answer
    # never depends on how many leading characters matched.
    if row is None or not hmac.compare_digest(row["digest"], wanted) or not row.get("ws"):
        return None
    return ApiKey.model_validate(row), Workspace.model_validate(row["ws"])


async def adopt_keys_from_before_workspaces(system: Database, data: Database) -> None:
    """Keys made before workspaces existed go on working: admins of the default workspace."""
    old = await repository.from_before_workspaces(data)
    if old:
        rows = [r | {"role": Role.ADMIN.value, "workspace": DEFAULT_WORKSPACE} for r in old]
        await repository.adopt(system, rows)
