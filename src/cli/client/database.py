"""The database itself: on this machine only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cli.client.http import Api
from crm.db import Database
from crm.schema import current_version


class DatabaseInfo(Protocol):
    async def describe(self) -> dict[str, Any]:
        """Its URL and schema version."""


@dataclass
class LocalDatabase:
    db: Database

    async def describe(self) -> dict[str, Any]:
        return {"database": self.db.url, "schema_version": await current_version(self.db)}


@dataclass
class RemoteDatabase:
    api: Api

    async def describe(self) -> dict[str, Any]:
        raise self.api.cannot()
