"""API keys: on the database only (no REST route)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cli.client.http import Api
from crm.apikeys import service
from crm.apikeys.models import ApiKey, NewApiKey
from crm.db import Database


class ApiKeys(Protocol):
    async def create(self, name: str) -> NewApiKey: ...

    async def list_keys(self) -> list[ApiKey]: ...

    async def revoke(self, ref: str) -> ApiKey: ...


@dataclass
class LocalApiKeys:
    db: Database

    async def create(self, name: str) -> NewApiKey:
        return await service.create(self.db, name)

    async def list_keys(self) -> list[ApiKey]:
        return await service.list_keys(self.db)

    async def revoke(self, ref: str) -> ApiKey:
        return await service.revoke(self.db, ref)


@dataclass
class RemoteApiKeys:
    api: Api

    async def create(self, name: str) -> NewApiKey:
        raise self.api.cannot()

    async def list_keys(self) -> list[ApiKey]:
        raise self.api.cannot()

    async def revoke(self, ref: str) -> ApiKey:
        raise self.api.cannot()
