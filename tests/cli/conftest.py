"""CLI fixtures: `crm` runs in process against a surrealkv file (mem:// is new per command);
`provider` is the fake OpenAI-compatible model those commands are configured to use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from cli import runtime
from crm_cli import Crm
from fake_llm import fake_provider, use_fake_model


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Crm:
    db_path = tmp_path / "cli.db"
    monkeypatch.setenv("CRM_DB_URL", f"surrealkv://{db_path}")
    return Crm(db_path)


@pytest.fixture(autouse=True)
def _forget_global_options() -> Iterator[None]:
    """`crm --api-url` keeps the option for the process (one command per process, outside
    tests); later in-process invocations of a sub-app must not inherit it."""
    yield
    runtime.options.api_url = None
    runtime.options.verbose = False
    runtime.options.workspace = None


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    use_fake_model(monkeypatch)
    with fake_provider() as route:
        yield route
