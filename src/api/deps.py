"""What a request can depend on: the app's one database connection, settings, clocks, limits."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from accounts.system import open_system
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from api import server_info
from api.limits import RateLimiter
from crm.db import embedded_file, lock_owner
from crm.llm_calls.service import gateway as configured
from kernel.errors import DatabaseError
from kernel.settings import Settings
from landing_pages.render import PageCache

if TYPE_CHECKING:
    from api.jobs import Jobs
    from crm.db import Database
    from llm_tools.gateway import Gateway


WORKSPACE_MEMORY_SECONDS = 5.0
WORKSPACES_REMEMBERED = 1000


@dataclass
class AppState:
    """Everything the app holds for its lifetime (one per app, on `app.state.crm`)."""

    settings: Settings
    jobs: Jobs
    key_limiter: RateLimiter
    form_limiter: RateLimiter
    db: Database | None = None
    # The system database (workspaces, users, keys, audit), on the same connection.
    system: Database | None = None
    opening: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Wall clock for signed tokens (form fill time); tests move it instead of sleeping.
    clock: Callable[[], float] = time.time
    # Builds the LLM gateway for a request; tests swap in one with a fake model.
    gateway_factory: Callable[[Database], Gateway] | None = None
    # Published pages rendered once, for a few seconds (see landing_pages.render.PageCache).
    page_cache: PageCache = field(default_factory=PageCache)
    # Accepted as an API key from `crm` commands on this machine (see api.server_info).
    local_token: str = ""
    _secret: str = ""
    _workspaces: dict[str, tuple[float, Workspace]] = field(default_factory=dict)

    async def workspace(self, system: Database, ref: str) -> Workspace | None:
        """A workspace by id or name, remembered for a few seconds (every request asks)."""
        now = time.monotonic()
        known = self._workspaces.get(ref)
        if known is not None and now - known[0] < WORKSPACE_MEMORY_SECONDS:
            return known[1]
        found = await workspaces.get(system, ref)
        if found is not None:
            if len(self._workspaces) > WORKSPACES_REMEMBERED:
                self._workspaces.clear()
            self._workspaces[ref] = (now, found)
        return found

    @property
    def secret(self) -> str:
        """The signing key (CRM_SECRET_KEY or the generated one), read once."""
        if not self._secret:
            self._secret = self.settings.signing_key()
        return self._secret


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.crm
    return state


async def get_system(request: Request) -> Database:
    return await open_system_of(get_state(request))


async def open_system_of(state: AppState) -> Database:
    """The app's system database, opened (and migrated) on first use."""
    if state.system is None:
        if state.db is None:
            raise DatabaseError("the database is not connected")
        async with state.opening:
            if state.system is None:
                state.system = await open_system(state.db, state.settings)
    return state.system


def gateway(state: AppState, db: Database) -> Gateway:
    if state.gateway_factory is not None:
        return state.gateway_factory(db)

    return configured(db, state.settings)


State = Annotated[AppState, Depends(get_state)]
System = Annotated["Database", Depends(get_system)]


def announce_server(state: AppState, url: str, *, kept_open: bool, ready: bool) -> Path | None:
    """Tell other `crm` commands on this machine where the API is: the server-info file (URL,
    pid, a per-process token they call the API with; `ready` once the database is open) and,
    when ready, the URL in the owner record that the lock error shows. Returns the database
    file, to withdraw the announcement at shutdown."""
    path = embedded_file(state.settings.database_url)
    if path is None:
        return None
    state.local_token = state.local_token or server_info.new_token()
    info = server_info.ServerInfo(
        url=url, pid=os.getpid(), token=state.local_token, kept_open=kept_open, ready=ready
    )
    server_info.write(path, info)
    if ready:
        owner = lock_owner(path) or {}
        owner |= {
            "url": url,
            "command": f"crm serve, serving {url}; use its REST API at {url}/api/v1 or stop it "
            "first",
        }
        path.with_name(path.name + ".owner").write_text(json.dumps(owner))
    return path
