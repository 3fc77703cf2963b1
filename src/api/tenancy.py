"""The workspace a request works in: its database, settings and signing key.

Routes under `/api/v1` work in the caller's workspace (`Db`, `Here`). Public routes (hosted
pages, tracking links, unsubscribe) work in the default workspace at `/…` and in workspace ID
at `/w/ID/…` (`SiteDb`, `Site`), the prefix every link made for that workspace carries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Annotated

from fastapi import Depends, Request

from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from api.auth import Caller
from api.deps import AppState, State, System
from crm.db import Database
from kernel.errors import NotFound
from kernel.settings import Settings


@dataclass
class Tenant:
    workspace: Workspace
    db: Database
    settings: Settings
    state: AppState

    @property
    def prefix(self) -> str:
        """What public paths of this workspace start with: nothing for the default one."""
        return (
            "" if self.workspace.is_default else f"{workspaces.PUBLIC_PREFIX}/{self.workspace.id}"
        )

    def page_key(self, slug: str) -> str:
        """A hosted page's key in the app's page cache."""
        return f"{self.prefix}/lp/{slug}"

    @cached_property
    def secret(self) -> str:
        if self.workspace.is_default:
            return self.state.secret
        return self.settings.signing_key()


def tenant(state: AppState, system: Database, workspace: Workspace) -> Tenant:
    return Tenant(
        workspace=workspace,
        db=workspaces.data(system, workspace),
        settings=workspaces.settings_for(state.settings, workspace),
        state=state,
    )


def get_tenant(state: State, system: System, caller: Caller) -> Tenant:
    return tenant(state, system, caller.workspace)


def get_db(here: Annotated[Tenant, Depends(get_tenant)]) -> Database:
    return here.db


async def get_site(request: Request, state: State, system: System) -> Tenant:
    ref = request.path_params.get("workspace", DEFAULT_WORKSPACE)
    found = await state.workspace(system, ref)
    if found is None or found.id != ref:
        raise NotFound("no such page")
    return tenant(state, system, found)


def get_site_db(site: Annotated[Tenant, Depends(get_site)]) -> Database:
    return site.db


Here = Annotated[Tenant, Depends(get_tenant)]
Db = Annotated[Database, Depends(get_db)]
Site = Annotated[Tenant, Depends(get_site)]
SiteDb = Annotated[Database, Depends(get_site_db)]
