"""People and their roles in workspaces: on the database only (no REST route)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from accounts.principals import CLI_ACTOR
from accounts.roles import Role
from accounts.users import links, team
from accounts.users.models import Added, Membership, PasswordMail
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from cli.client.http import Api
from crm.db import Database
from kernel.errors import NotFound
from kernel.settings import Settings


class Users(Protocol):
    async def add(
        self, email: str, role: Role, workspace: str | None, password: str | None
    ) -> Added: ...

    async def list_members(self, workspace: str | None) -> list[Membership]: ...

    async def remove(self, email: str, workspace: str | None) -> Membership: ...

    async def set_role(self, email: str, role: Role, workspace: str | None) -> Membership: ...

    async def reset(self, email: str) -> PasswordMail: ...


@dataclass
class LocalUsers:
    system: Database
    workspace: Workspace
    deployment: Settings

    async def _where(self, workspace: str | None) -> Workspace:
        """`workspace` (id or name), else the one the command works in."""
        return await workspaces.require(self.system, workspace) if workspace else self.workspace

    async def add(
        self, email: str, role: Role, workspace: str | None, password: str | None
    ) -> Added:
        where = await self._where(workspace)
        return await team.add(
            self.system, self.deployment, email, role, where, password=password, actor=CLI_ACTOR
        )

    async def list_members(self, workspace: str | None) -> list[Membership]:
        return await team.members(self.system, await self._where(workspace))

    async def remove(self, email: str, workspace: str | None) -> Membership:
        return await team.remove(self.system, email, await self._where(workspace), actor=CLI_ACTOR)

    async def set_role(self, email: str, role: Role, workspace: str | None) -> Membership:
        where = await self._where(workspace)
        return await team.set_role(self.system, email, role, where, actor=CLI_ACTOR)

    async def reset(self, email: str) -> PasswordMail:
        sent = await links.request_reset(
            self.system, self.deployment, email, self.workspace, actor=CLI_ACTOR
        )
        if sent is None:
            raise NotFound(f"no user {email}")
        return sent


@dataclass
class RemoteUsers:
    api: Api

    async def add(
        self, email: str, role: Role, workspace: str | None, password: str | None
    ) -> Added:
        raise self.api.cannot()

    async def list_members(self, workspace: str | None) -> list[Membership]:
        raise self.api.cannot()

    async def remove(self, email: str, workspace: str | None) -> Membership:
        raise self.api.cannot()

    async def set_role(self, email: str, role: Role, workspace: str | None) -> Membership:
        raise self.api.cannot()

    async def reset(self, email: str) -> PasswordMail:
        raise self.api.cannot()
