"""The client a command runs with: the configured database, or a server's REST API."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from accounts.system import open_system
from accounts.workspaces import service as workspaces
from campaigns import wiring
from cli.client.http import Api, Target
from crm.db import connect
from crm.schema import Migration, migrate
from kernel.settings import Settings

if TYPE_CHECKING:
    from cli.client.apikeys import ApiKeys
    from cli.client.audit import Audit
    from cli.client.campaigns import Campaigns
    from cli.client.companies import Companies
    from cli.client.contacts import Contacts
    from cli.client.database import DatabaseInfo
    from cli.client.demo import Demo
    from cli.client.enrichment import Enrichment
    from cli.client.llm import Llm
    from cli.client.pages import Pages
    from cli.client.schedules import Schedules
    from cli.client.segments import Segments
    from cli.client.users import Users
    from cli.client.workspaces import Workspaces

# Resource -> the class name its module (cli.client.<resource>) gives both implementations,
# after "Local" or "Remote".
RESOURCES = {
    "apikeys": "ApiKeys",
    "audit": "Audit",
    "campaigns": "Campaigns",
    "companies": "Companies",
    "contacts": "Contacts",
    "database": "Database",
    "demo": "Demo",
    "enrichment": "Enrichment",
    "llm": "Llm",
    "pages": "Pages",
    "schedules": "Schedules",
    "segments": "Segments",
    "users": "Users",
    "workspaces": "Workspaces",
}


class Client:
    """Every resource, local or remote. A resource's module is imported when a command first
    uses it, so a command loads only the services it calls."""

    apikeys: ApiKeys
    audit: Audit
    campaigns: Campaigns
    companies: Companies
    contacts: Contacts
    database: DatabaseInfo
    demo: Demo
    enrichment: Enrichment
    llm: Llm
    pages: Pages
    schedules: Schedules
    segments: Segments
    users: Users
    workspaces: Workspaces

    def __init__(self, side: str, **parts: Any) -> None:
        """`side`: Local (with `db`, `settings`, `system`, `workspace` and `deployment`: the
        settings before the workspace's) or Remote (with `api`)."""
        self._side = side
        self._parts = parts

    def __getattr__(self, resource: str) -> Any:
        if resource not in RESOURCES:
            raise AttributeError(resource)
        module = importlib.import_module(f"cli.client.{resource}")
        kind = getattr(module, self._side + RESOURCES[resource])
        made = kind(**{f.name: self._parts[f.name] for f in dataclasses.fields(kind)})
        setattr(self, resource, made)
        return made


@asynccontextmanager
async def connected(
    settings: Settings,
    target: Target | None,
    upgrading: Callable[[Migration], None],
    announce: Callable[[str], None],
) -> AsyncIterator[Client]:
    """Through `target`'s API when there is one, else on the configured database (applying
    pending migrations, announced through `upgrading`; a file SurrealDB 2 wrote is copied into
    SurrealDB 3's format first, told through `announce`)."""
    if target is not None:
        async with Api(target) as api:
            yield Client("Remote", api=api)
        return
    wiring.register()
    async with connect(settings, announce=announce) as db:
        await migrate(db, upgrading=upgrading)
        system = await open_system(db, settings)
        workspace = await workspaces.require(system, settings.workspace)
        data = workspaces.data(db, workspace)
        if not workspace.is_default:
            await migrate(data, upgrading=upgrading)
        yield Client(
            "Local",
            db=data,
            settings=workspaces.settings_for(settings, workspace),
            system=system,
            workspace=workspace,
            deployment=settings,
        )
