"""An app around the migrated mem:// database, and an httpx client on its ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from api.app import create_app
from api.deps import AppState, open_system_of
from crm.db import Database
from kernel.settings import Settings

API_KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@dataclass
class FakeClock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def api_settings() -> Settings:
    return Settings(
        db_url="mem://",
        api_keys=API_KEY,
        secret_key=SecretStr("s3cret-for-tests"),
        base_url="http://testserver",
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(db: Database, api_settings: Settings, clock: FakeClock) -> FastAPI:
    app = create_app(api_settings, database=db)
    state: AppState = app.state.crm
    state.clock = clock
    return app


@pytest.fixture
def state(app: FastAPI) -> AppState:
    s: AppState = app.state.crm
    return s


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def system(state: AppState) -> Database:
    """The app's system database (workspaces, keys, users, audit)."""
    return await open_system_of(state)


@pytest.fixture
async def main(system: Database) -> Workspace:
    return await workspaces.require(system, DEFAULT_WORKSPACE)


@pytest.fixture
def auth() -> dict[str, str]:
    return dict(AUTH)
