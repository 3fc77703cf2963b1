"""API keys: on the database, or through `/api/v1/apikeys` (the caller's workspace only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from accounts.apikeys import service
from accounts.apikeys.models import ApiKey, NewApiKey
from accounts.roles import Role
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from cli.client.http import WORKSPACE_HEADER, Api, seg
from crm.db import Database


class ApiKeys(Protocol):
    async def create(self, name: str, role: Role, workspace: str | None) -> NewApiKey: ...

    async def list_keys(self, every_workspace: bool) -> list[ApiKey]: ...

    async def revoke(self, ref: str) -> ApiKey: ...


@dataclass
class LocalApiKeys:
    system: Database
    workspace: Workspace

    async def create(self, name: str, role: Role, workspace: str | None) -> NewApiKey:
        """In `workspace` (id or name), else the one the command works in."""
        where = await workspaces.require(self.system, workspace) if workspace else self.workspace
        return await service.create(self.system, name, role, where)

    async def list_keys(self, every_workspace: bool) -> list[ApiKey]:
        return await service.list_keys(self.system, None if every_workspace else self.workspace)

    async def revoke(self, ref: str) -> ApiKey:
        return await service.revoke(self.system, ref)


@dataclass
class RemoteApiKeys:
    api: Api

    async def create(self, name: str, role: Role, workspace: str | None) -> NewApiKey:
        """A server's key makes keys of its own workspace only (the server refuses another);
        the local `crm serve` works in the one named."""
        body = {"name": name, "role": role.value, "workspace": workspace}
        headers = {WORKSPACE_HEADER: workspace} if workspace else {}
        made = await self.api.request("POST", "apikeys", json=body, headers=headers)
        return NewApiKey.model_validate(made)

    async def list_keys(self, every_workspace: bool) -> list[ApiKey]:
        if every_workspace:
            raise self.api.cannot()
        return [ApiKey.model_validate(k) for k in (await self.api.get("apikeys"))["items"]]

    async def revoke(self, ref: str) -> ApiKey:
        return ApiKey.model_validate(await self.api.post(f"apikeys/{seg(ref)}/revoke"))
