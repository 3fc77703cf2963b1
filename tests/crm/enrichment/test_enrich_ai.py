"""The AI enricher through the `enrich_contact` tool, the provider's HTTP mocked with respx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from crm.contacts import service as contacts
from crm.db import Database, plain, record
from crm.enrichment import service
from crm.enrichment.models import RunOptions
from factories import make_contact
from fake_llm import API_BASE, reply
from llm_tools.gateway import Gateway
from llm_tools.memory import InMemoryCallStore
from llm_tools.provider import load_litellm


def proposing(proposals: list[dict[str, Any]]) -> httpx.Response:
    return reply({"proposals": proposals})


@pytest.fixture
def provider() -> Iterator[respx.Route]:
    # litellm talks through aiohttp by default, which respx cannot intercept.
    load_litellm().disable_aiohttp_transport = True
    with respx.mock(base_url=API_BASE, assert_all_called=False) as router:
        yield router.post("/chat/completions")


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(model="openai/test-model", store=InMemoryCallStore(), api_base=API_BASE,
                   api_key="test-key", max_retries=0)  # fmt: skip


async def stored(db: Database, key: str) -> dict[str, Any]:
    rows = await db.one("SELECT * FROM $id", {"id": record("contact", key)})
    return dict(plain(rows[0]))


PROPOSALS = [
    {"field": "city", "value": "Berlin", "confidence": 0.8, "reason": "phone area code 030"},
    {"field": "country", "value": "Germany", "confidence": 0.9, "reason": "Berlin is in Germany"},
    {"field": "title", "value": "CTO", "confidence": 0.2, "reason": "a guess"},
]


async def test_confident_proposals_fill_gaps_with_provenance(
    db: Database, provider: respx.Route, gateway: Gateway
) -> None:
    provider.side_effect = [proposing(PROPOSALS)]
    contact = await make_contact(db, email="zed@gmail.com")
    report = await service.run(db, RunOptions(ai=True), gateway=gateway)
    row = await stored(db, contact.id)
    assert report.ai_calls == 1
    assert (row["city"], row["country"]) == ("Berlin", "DE")
    assert row.get("title") is None  # below the confidence threshold
    city = (await contacts.require(db, contact.id)).enrichment["city"]
    assert city.model_dump(exclude={"at"}) == {
        "enricher": "ai", "confidence": 0.8, "reason": "phone area code 030", "value": "Berlin",
        "previous": None,
    }  # fmt: skip
    asked = json.loads(provider.calls[0].request.content)
    assert "zed@gmail.com" in json.dumps(asked)


async def test_answered_contacts_are_not_asked_again(
    db: Database, provider: respx.Route, gateway: Gateway
) -> None:
    provider.side_effect = [proposing(PROPOSALS)]
    await make_contact(db, email="zed@gmail.com")
    await service.run(db, RunOptions(ai=True), gateway=gateway)
    again = await service.run(db, RunOptions(ai=True), gateway=gateway)
    assert provider.call_count == 1
    assert again.ai_calls == 0


async def test_a_user_value_is_never_replaced(
    db: Database, provider: respx.Route, gateway: Gateway
) -> None:
    provider.side_effect = [proposing(PROPOSALS[:1])]
    contact = await make_contact(db, email="zed@gmail.com", country="FR")
    await service.run(db, RunOptions(ai=True, overwrite_enriched=True), gateway=gateway)
    assert (await stored(db, contact.id))["country"] == "FR"


async def test_a_failed_call_is_counted_and_retried_next_run(
    db: Database, provider: respx.Route, gateway: Gateway
) -> None:
    provider.side_effect = [
        httpx.Response(400, json={"error": {"message": "bad request"}}),
        proposing(PROPOSALS[:1]),
    ]
    contact = await make_contact(db, email="zed@gmail.com")
    first = await service.run(db, RunOptions(ai=True), gateway=gateway)
    assert (first.ai_calls, first.ai_failed) == (0, 1)
    second = await service.run(db, RunOptions(ai=True), gateway=gateway)
    assert second.ai_calls == 1
    assert (await stored(db, contact.id))["city"] == "Berlin"
