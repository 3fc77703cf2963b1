"""Shared fixtures: every test gets its own data dir, `db` is a migrated in-memory database, and
`smtp_sink` is a real SMTP server on 127.0.0.1 with settings that send to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import fastapi.dependencies.models as fastapi_dependency_models
import pytest
import respx
from aiosmtpd.controller import Controller

from api.deps import AppState
from campaigns import wiring
from crm.db import Database, connect
from crm.llm_calls.service import gateway
from crm.schema import migrate
from fake_llm import LLM_SETTINGS, fake_provider
from kernel.settings import Settings
from smtp_sink import Sink, free_port

_FASTAPI_CALLABLE_CACHES = (
    "_is_async_gen_callable_cached",
    "_is_coroutine_callable_cached",
    "_is_gen_callable_cached",
)


@pytest.fixture(autouse=True, scope="session")
def _campaigns_wired() -> None:
    """As the CLI and the API app do: campaign schedules, campaign names in segment rules."""
    wiring.register()


@pytest.fixture(autouse=True)
def _apps_freed() -> Iterator[None]:
    """FastAPI keeps the last 4,096 dependency callables it classified in module-level caches,
    and ours close over their app: without this every test's app stayed in memory (3 GB after
    tests/api, and minutes of garbage collection when pytest exits). One app per process in
    production, so nothing to do there."""
    yield
    for name in _FASTAPI_CALLABLE_CACHES:
        cached = getattr(fastapi_dependency_models, name, None)
        if cached is not None:
            cached.cache_clear()


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches a real user's database or outbox."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CRM_DB_URL", raising=False)
    # No background server keeps a test's database open, unless the test asks for one.
    monkeypatch.setenv("CRM_KEEP_OPEN", "0")
    monkeypatch.chdir(tmp_path)
    return data_dir


@pytest.fixture
def provider(state: AppState) -> Iterator[respx.Route]:
    """The fake LLM provider answers the app's AI work (a priced model); `state` is the app's,
    from the API or console fixtures."""
    llm_settings = Settings(db_url="mem://", **LLM_SETTINGS)
    state.gateway_factory = lambda db: gateway(db, llm_settings)
    with fake_provider() as route:
        yield route


@pytest.fixture
def settings() -> Settings:
    return Settings(db_url="mem://")


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with connect(settings) as database:
        await migrate(database)
        yield database


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def send_settings(smtp_sink: Sink) -> Settings:
    return Settings(
        db_url="mem://",
        smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}",
        postal_address="1 Main Street, Springfield",
        secret_key="test-secret",  # type: ignore[arg-type]
        from_email="news@shop.example",
        sender_name="Shop",
        email_frequency_hours=24,
    )


@pytest.fixture
def outbox_settings() -> Settings:
    return Settings(db_url="mem://", secret_key="test-secret")  # type: ignore[arg-type]
