"""Shared fixtures: every test gets its own data dir, and `db` is a migrated in-memory database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crm.db import Database, connect
from crm.schema import migrate
from crm.settings import Settings


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches a real user's database or outbox."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CRM_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return data_dir


@pytest.fixture
def settings() -> Settings:
    return Settings(db_url="mem://")


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with connect(settings) as database:
        await migrate(database)
        yield database
