"""Workspaces: on the database only (no REST route yet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from accounts.principals import CLI_ACTOR
from accounts.workspaces import service
from accounts.workspaces.models import Workspace
from cli.client.http import Api
from crm.db import Database


class Workspaces(Protocol):
    async def create(self, name: str) -> Workspace: ...

    async def list_workspaces(self) -> list[Workspace]: ...

    async def get(self, ref: str) -> Workspace: ...

    async def rename(self, ref: str, name: str) -> Workspace: ...

    async def delete(self, ref: str) -> Workspace: ...

    async def set_four_eyes(self, ref: str, on: bool) -> Workspace: ...


@dataclass
class LocalWorkspaces:
    system: Database

    async def create(self, name: str) -> Workspace:
        return await service.create(self.system, name)

    async def list_workspaces(self) -> list[Workspace]:
        return await service.list_workspaces(self.system)

    async def get(self, ref: str) -> Workspace:
        return await service.require(self.system, ref)

    async def rename(self, ref: str, name: str) -> Workspace:
        return await service.rename(self.system, ref, name)

    async def delete(self, ref: str) -> Workspace:
        return await service.delete(self.system, ref)

    async def set_four_eyes(self, ref: str, on: bool) -> Workspace:
        return await service.set_four_eyes(self.system, ref, on, actor=CLI_ACTOR)


@dataclass
class RemoteWorkspaces:
    api: Api

    async def create(self, name: str) -> Workspace:
        raise self.api.cannot()

    async def list_workspaces(self) -> list[Workspace]:
        raise self.api.cannot()

    async def get(self, ref: str) -> Workspace:
        raise self.api.cannot()

    async def rename(self, ref: str, name: str) -> Workspace:
        raise self.api.cannot()

    async def delete(self, ref: str) -> Workspace:
        raise self.api.cannot()

    async def set_four_eyes(self, ref: str, on: bool) -> Workspace:
        raise self.api.cannot()
