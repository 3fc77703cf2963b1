"""Asset generation through the LLM tools (a respx-faked OpenAI-compatible provider)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from campaigns import approval, assets, service
from campaigns.models import Brief, State
from crm.db import Database
from factories import make_campaign, make_contact, make_segment
from fake_llm import API_BASE, reply
from kernel.errors import NotFound, ValidationFailed
from kernel.settings import Settings
from llm_tools.gateway import Gateway
from llm_tools.memory import InMemoryCallStore
from llm_tools.provider import load_litellm

LINK = "https://example.com/spring"


def _answer(request: httpx.Request) -> httpx.Response:
    prompt = json.loads(request.content)["messages"][-1]["content"]
    if "linkedin" in prompt:
        text = {
            "variants": [
                {"text": f"Spring is here, take {n}", "hashtags": ["spring"]} for n in (1, 2)
            ]
        }
    else:
        text = {
            "subject": "Spring has arrived",
            "message": f"Our spring release is out, with faster reports. See {LINK} today.",
        }
    return reply(text, prompt_tokens=100, completion_tokens=50, model="gpt-4o-mini")


@pytest.fixture
def provider() -> Iterator[respx.Route]:
    load_litellm().disable_aiohttp_transport = True  # respx cannot see aiohttp
    with respx.mock(base_url=API_BASE) as router:
        yield router.post("/chat/completions").mock(side_effect=_answer)


def _gateway() -> Gateway:
    # A model in litellm's bundled price list, so calls have a cost.
    return Gateway(
        model="openai/gpt-4o-mini",
        store=InMemoryCallStore(),
        api_base=API_BASE,
        api_key="k",
        cache=False,
    )


async def _campaign(db: Database, **fields: Any) -> str:
    await make_contact(db, email="ada@example.com", first_name="Ada")
    await make_contact(db, email="bob@example.com", first_name="Bob")
    await make_segment(db)
    campaign = await make_campaign(
        db,
        channels=["email", "linkedin"],
        brief=Brief(goal="Announce spring", link=LINK),
        **fields,
    )
    return campaign.id


async def test_generates_versioned_assets_with_tokens_and_cost(
    db: Database, settings: Settings, provider: respx.Route
) -> None:
    key = await _campaign(db)

    report = await assets.generate(db, key, settings, gateway=_gateway(), personalize=True)

    assert (report.created, report.failed, report.state) == (4, 0, State.REVIEW)
    current = {(a.channel, a.variant): a for a in await assets.list_assets(db, key)}
    assert len(current) == 4
    ada = next(
        a
        for (c, v), a in current.items()
        if v.startswith("contact:") and a.content["body"].startswith("Hi Ada,")
    )
    assert ada.version == 1 and ada.model == "openai/gpt-4o-mini"
    assert (ada.tokens_in, ada.tokens_out) == (100, 50) and ada.cost and ada.cost > 0
    assert current[("email", "segment")].content["body"].startswith("Hi {{first_name|there}},")
    assert f'<a href="{LINK}">' in current[("email", "segment")].content["body_html"]
    post = current[("linkedin", "segment")].content
    assert post["full_text"].endswith(LINK) and len(post["alternatives"]) == 1
    assert report.cost == pytest.approx(sum(a.cost or 0 for a in current.values()))


async def test_generation_resumes_and_never_overwrites_hand_edits(
    db: Database, settings: Settings, provider: respx.Route
) -> None:
    key = await _campaign(db)
    await assets.generate(db, key, settings, gateway=_gateway())
    calls = provider.call_count

    again = await assets.generate(db, key, settings, gateway=_gateway())
    assert (again.created, again.kept) == (0, 2) and provider.call_count == calls

    edited = await assets.edit_asset(db, key, "email", {"body": "Hi,\n\nHand written."})
    assert edited.version == 2 and edited.edited
    assert edited.content["body_html"] == "<p>Hi,</p>\n<p>Hand written.</p>"

    report = await assets.generate(db, key, settings, gateway=_gateway(), regenerate=True)
    assert (report.created, report.kept_edited) == (1, 1)
    current = {a.channel: a for a in await assets.list_assets(db, key)}
    assert current["email"].content["body"] == "Hi,\n\nHand written."
    assert current["linkedin"].version == 2
    history = await assets.list_assets(db, key, history=True)
    assert sorted(a.version for a in history if a.channel == "email") == [1, 2]


async def test_approval_freezes_assets_and_snapshots_members(
    db: Database, settings: Settings, provider: respx.Route
) -> None:
    key = await _campaign(db)
    await assets.generate(db, key, settings, gateway=_gateway())

    campaign = await approval.approve(db, key, settings)

    assert campaign.state == State.APPROVED and campaign.members == 2 and campaign.snapshot
    status = await service.status(db, key)
    assert status.per_channel["email"].queued == 2 and status.per_channel["linkedin"].queued == 1
    with pytest.raises(ValidationFailed, match="frozen"):
        await assets.edit_asset(db, key, "email", {"subject": "Changed"})


async def test_approval_needs_an_asset_per_channel(db: Database, settings: Settings) -> None:
    key = await _campaign(db)
    campaign = await service.require(db, key)
    await service.move(db, campaign, State.GENERATING)
    await service.move(db, await service.require(db, key), State.REVIEW)
    with pytest.raises(ValidationFailed, match="no asset for email, linkedin"):
        await approval.approve(db, key, settings)


async def test_one_asset_is_written_again_even_over_a_hand_edit_and_only_that_one(
    db: Database, settings: Settings, provider: respx.Route
) -> None:
    key = await _campaign(db)
    await assets.generate(db, key, settings, gateway=_gateway(), personalize=True)
    ada = next(
        a.variant
        for a in await assets.list_assets(db, key)
        if a.variant.startswith("contact:") and a.content["body"].startswith("Hi Ada,")
    )
    await assets.edit_asset(db, key, "email", {"body": "Hi Ada,\n\nBy hand."}, variant=ada)
    calls = provider.call_count

    report = await assets.generate(db, key, settings, gateway=_gateway(), only=("email", ada))

    assert (report.created, report.kept, report.state) == (1, 0, State.REVIEW)
    assert provider.call_count == calls + 1
    versions = await assets.versions(db, key, "email", ada)
    assert [(v.version, v.edited) for v in versions] == [(1, False), (2, True), (3, False)]
    assert versions[-1].content["body"].startswith("Hi Ada,\n\nOur spring release")
    current = {(a.channel, a.variant): a.version for a in await assets.list_assets(db, key)}
    assert current[("email", "segment")] == current[("linkedin", "segment")] == 1


async def test_an_asset_not_written_yet_cannot_be_written_again(
    db: Database, settings: Settings
) -> None:
    key = await _campaign(db)

    with pytest.raises(NotFound, match="no email asset 'segment'"):
        await assets.generate(db, key, settings, gateway=_gateway(), only=("email", "segment"))

    assert (await service.require(db, key)).state is State.DRAFT


async def test_a_failed_generation_stays_failed_while_assets_are_missing(
    db: Database, settings: Settings, provider: respx.Route
) -> None:
    key = await _campaign(db)
    await assets.edit_asset(db, key, "email", {"subject": "Hi", "body": "Hi,\n\nSpring."})
    campaign = await service.require(db, key)
    await service.move(db, campaign, State.GENERATING)
    await service.move(db, await service.require(db, key), State.FAILED, reason="linkedin")

    report = await assets.generate(db, key, settings, gateway=_gateway(), only=("email", "segment"))

    assert report.state is State.FAILED  # the linkedin post is still missing
    assert "missing" in ((await service.require(db, key)).state_reason or "")
