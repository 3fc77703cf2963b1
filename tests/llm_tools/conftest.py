"""A fake OpenAI-compatible provider (respx), a fake clock, and gateways wired to both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx

from fake_llm import API_BASE
from llm_fakes import TEST_MODEL, FakeTime
from llm_tools.gateway import Gateway
from llm_tools.memory import InMemoryCallStore
from llm_tools.provider import load_litellm


@pytest.fixture(autouse=True)
def _httpx_transport() -> None:
    # litellm talks through aiohttp by default, which respx cannot intercept.
    load_litellm().disable_aiohttp_transport = True


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store() -> InMemoryCallStore:
    return InMemoryCallStore()


@pytest.fixture
def make_gateway(store: InMemoryCallStore, fake_time: FakeTime) -> Callable[..., Gateway]:
    def make(**overrides: Any) -> Gateway:
        options: dict[str, Any] = {
            "model": TEST_MODEL,
            "store": store,
            "api_base": API_BASE,
            "api_key": "test-key",
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
            **overrides,
        }
        return Gateway(**options)

    return make


@pytest.fixture
def gateway(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway()


@pytest.fixture
def provider() -> Iterator[respx.Route]:
    """The chat completions endpoint; set `side_effect` to a list of responses."""
    with respx.mock(base_url=API_BASE, assert_all_called=False) as router:
        yield router.post("/chat/completions")
