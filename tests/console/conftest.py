"""Console fixtures: the API app (tests/api/conftest.py's), people with each role, and a
browser-like client that signs in through the login form."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from console_browser import PASSWORD, Browser
from fastapi import FastAPI

from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from api.app import create_app
from api.deps import AppState, open_system_of
from crm.db import Database
from kernel.settings import Settings


@pytest.fixture
def console_settings() -> Settings:
    return Settings(db_url="mem://", secret_key="s3cret-for-tests", base_url="http://testserver")  # type: ignore[arg-type]


@pytest.fixture
def app(db: Database, console_settings: Settings) -> FastAPI:
    return create_app(console_settings, database=db)


@pytest.fixture
def state(app: FastAPI) -> AppState:
    found: AppState = app.state.crm
    return found


@pytest.fixture
async def system(state: AppState) -> Database:
    return await open_system_of(state)


@pytest.fixture
async def main(system: Database) -> Workspace:
    return await workspaces.require(system, DEFAULT_WORKSPACE)


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[Browser]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield Browser(c)


@pytest.fixture
def person(
    system: Database, main: Workspace, browser: Browser
) -> Callable[[Role], Awaitable[Browser]]:
    """`await person(Role.VIEWER)`: the browser, signed in as a user with that role."""

    async def make(role: Role) -> Browser:
        email = f"{role.value}@example.com"
        await users.add(system, email, role, main, PASSWORD)
        signed = await browser.sign_in(email)
        assert signed.status_code == 303, signed.text
        return browser

    return make
