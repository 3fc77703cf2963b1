"""The app factory: `create_app(settings)` for `crm serve` or any ASGI server
(`uvicorn --factory api.app:create_app`).

One database connection per app, opened at startup and closed at shutdown (the embedded
engine allows one process per file). Tests hand in an open `database` instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI
from fastapi_offline import FastAPIOffline

from accounts.system import open_system
from accounts.workspaces import service as workspaces
from api import errors, permissions, server_info
from api.console import csrf
from api.console.router import router as console_router
from api.deps import AppState, announce_server
from api.jobs import Jobs
from api.limits import RateLimiter
from api.middleware import BodyLimit, SecurityHeaders
from api.routers import (
    analytics,
    apikeys,
    audit,
    auth,
    campaigns,
    companies,
    contacts,
    health,
    jobs,
    landing_pages,
    llm_calls,
    public_pages,
    schedules,
    segments,
    tracking,
)
from api.schemas import API_ERRORS
from api.storable import reject_unstorable
from campaigns import wiring
from crm.db import connect
from crm.schema import migrate
from kernel.settings import Settings, load_settings
from scheduling.worker import in_background

if TYPE_CHECKING:
    from pathlib import Path

    from crm.db import Database

API_PREFIX = "/api/v1"
DESCRIPTION = """\
Contacts, companies, segments, campaigns and landing pages of the crm toolkit.

Send an API key on every `/api/v1` request: `Authorization: Bearer <key>` (keys come from
`CRM_API_KEYS` or `crm apikeys create`). Errors are `{"error": {"code", "message", "details"}}`.
Long work answers 202 with a job whose `status_url` tells how it went.

Public routes need no key: hosted pages (`/lp/{slug}`), tracking (`/t/…`), `/unsubscribe/…`
and `/health`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    server_url: str | None = None,
    worker: bool = False,
    kept_open: bool = False,
) -> FastAPI:
    """`server_url`: where `crm serve` listens, announced to the other `crm` commands on this
    machine when it holds an embedded file (`kept_open`: started by the CLI to keep it open)."""
    settings = settings or load_settings()
    wiring.register()  # campaign schedules and segment rules naming campaigns
    state = AppState(
        settings=settings,
        jobs=Jobs(prefix=f"{API_PREFIX}/jobs"),
        key_limiter=RateLimiter(settings.api_rate_limit),
        form_limiter=RateLimiter(settings.form_rate_limit),
        db=database,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state.db is not None:  # handed in: the caller owns it
            try:
                yield
            finally:
                await state.jobs.shutdown()
            return

        def announce(ready: bool) -> Path | None:
            if server_url is None:
                return None
            return announce_server(state, server_url, kept_open=kept_open, ready=ready)

        # Commands started while the file opens wait for this server instead of failing.
        announced = announce(ready=False)
        try:
            async with connect(settings) as db:
                await migrate(db)
                state.db = db
                state.system = await open_system(db, settings)
                scopes = await workspaces.open_all(state.system, settings)
                announce(ready=True)
                try:
                    async with AsyncExitStack() as stack:
                        # `crm serve --worker`: a scheduler worker per workspace, for as long
                        # as the server runs.
                        for scope in scopes if worker else []:
                            await stack.enter_async_context(in_background(scope.db, scope.settings))
                        yield
                finally:
                    await state.jobs.shutdown()
                    state.db = None
        finally:
            if announced is not None:
                server_info.remove(announced, os.getpid())

    # /docs and /redoc load Swagger UI and ReDoc from the installed fastapi-offline package,
    # not from a CDN, so they work without internet.
    app = FastAPIOffline(
        static_url="/docs/assets",
        title="crm toolkit",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.crm = state
    errors.install(app)
    app.add_middleware(csrf.CsrfCookie, secure=settings.base_url.startswith("https://"))
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.api_max_body,
        uploads={
            f"{API_PREFIX}/contacts/import": settings.api_max_upload,
            "/app/contacts/import": settings.api_max_upload,
        },
    )
    app.add_middleware(SecurityHeaders)

    v1 = APIRouter(
        prefix=API_PREFIX, responses=API_ERRORS, dependencies=[Depends(reject_unstorable)]
    )
    for module in (
        contacts, companies, segments, campaigns, schedules, landing_pages, analytics, jobs,
        apikeys, audit, llm_calls,
    ):  # fmt: skip
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(health.router)
    app.include_router(auth.router)
    for public in (public_pages.router, tracking.router):
        app.include_router(public)
        # The same pages and links of another workspace (tenancy.get_site).
        app.include_router(
            public, prefix=f"{workspaces.PUBLIC_PREFIX}/{{workspace}}", include_in_schema=False
        )
    app.include_router(console_router)
    permissions.declare(app)
    return app
