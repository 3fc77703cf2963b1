"""The SurrealDB CallStore (crm.llm_calls) behind a gateway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import respx

from crm.db import Database
from crm.llm_calls import repository, service
from crm.llm_calls.repository import SurrealCallStore
from factories import llm_call
from fake_llm import API_BASE, reply
from kernel.settings import Settings
from llm_fakes import TEST_MODEL
from llm_tools.calls import CachedCompletion, CallRecord
from llm_tools.enrich_contact import EnrichIn, enrich_contact
from llm_tools.inputs import ContactProfile
from llm_tools.provider import load_litellm


def call(*, run: str | None, cost: float | None, minutes_ago: int = 0) -> CallRecord:
    return llm_call(cost, run=run, at=datetime.now(UTC) - timedelta(minutes=minutes_ago))


async def test_records_sum_per_run_and_list_newest_first(db: Database) -> None:
    store = SurrealCallStore(db)
    await store.record(call(run="spring", cost=0.25, minutes_ago=3))
    await store.record(call(run="spring", cost=None, minutes_ago=2))
    await store.record(call(run="autumn", cost=1.0, minutes_ago=1))

    assert await store.run_cost("spring") == 0.25
    assert await store.run_cost("winter") == 0.0
    newest = await repository.recent(db, limit=2)
    assert [c.run for c in newest] == ["autumn", "spring"]
    assert newest[1].cost is None
    assert [c.cost for c in await repository.recent(db, limit=10, run="spring")] == [None, 0.25]


async def test_cache_keeps_the_first_answer_for_a_key(db: Database) -> None:
    store = SurrealCallStore(db)
    first = CachedCompletion(model=TEST_MODEL, content='{"a": 1}', tokens_in=5, tokens_out=2)
    second = CachedCompletion(model=TEST_MODEL, content='{"a": 2}', tokens_in=5, tokens_out=2)

    await store.cache_put("k", first)
    await store.cache_put("k", second)

    assert await store.cache_get("k") == first
    assert await store.cache_get("other") is None


async def test_a_gateway_on_the_database_records_and_caches(db: Database) -> None:
    settings = Settings(db_url="mem://", llm_model=TEST_MODEL, llm_api_base=API_BASE)
    gateway = service.gateway(db, settings)
    answer = {
        "proposals": [
            {"field": "company", "value": "Initech", "confidence": 0.9, "reason": "email domain"}
        ]
    }
    inp = EnrichIn(contact=ContactProfile(email="ada@initech.com"), fields=["company"])
    load_litellm().disable_aiohttp_transport = True  # respx cannot see aiohttp

    with respx.mock(base_url=API_BASE) as router:
        route = router.post("/chat/completions").mock(return_value=reply(answer))
        await enrich_contact(inp, gateway=gateway, run="enrich-1")
        await enrich_contact(inp, gateway=service.gateway(db, settings), run="enrich-1")

    assert route.call_count == 1
    calls = await service.recent_calls(db, run="enrich-1")
    assert [(c.tool, c.cache_hit) for c in calls] == [
        ("enrich_contact", True),
        ("enrich_contact", False),
    ]
