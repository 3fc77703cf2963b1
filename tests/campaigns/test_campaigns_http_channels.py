"""Webhook and social channels over respx: signed JSON, idempotency keys, retries."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from campaigns import approval, delivery_repository, executor, repository, service
from campaigns.channels.webhook import verify
from campaigns.executor import Options
from campaigns.models import State
from crm.db import Database
from factories import SOCIAL_ASSET, make_ready_campaign
from kernel.errors import ValidationFailed
from kernel.settings import Settings

HOOK = "https://hooks.example/crm"
SOCIAL = "https://scheduler.example/posts"


async def _no_sleep(seconds: float) -> None:
    return None


@respx.mock
async def test_webhook_posts_signed_json_once_per_contact(
    db: Database, outbox_settings: Settings
) -> None:
    route = respx.post(HOOK).mock(side_effect=[httpx.Response(503), *[httpx.Response(200)] * 3])
    campaign = await make_ready_campaign(
        db,
        settings=outbox_settings,
        contacts_count=3,
        channels=["webhook"],
        config={"webhook": {"url": HOOK, "secret": "hook-secret", "concurrency": 1}},
    )

    async with httpx.AsyncClient() as http:
        report = await executor.run(
            db, campaign.id, outbox_settings, Options(http=http, sleep=_no_sleep)
        )

    assert (report.sent, report.retried, report.state) == (3, 1, State.COMPLETED)
    keys = []
    for call in route.calls:
        request = call.request
        assert verify("hook-secret", request.headers, request.content)
        assert not verify("other-secret", request.headers, request.content)
        body = json.loads(request.content)
        assert body["delivery"] == request.headers["Idempotency-Key"]
        assert body["content"]["subject"] == "Spring is here"
        keys.append(request.headers["Idempotency-Key"])
    # The retried delivery kept its key: the receiver can deduplicate.
    assert len(keys) == 4 and len(set(keys)) == 3


@respx.mock
async def test_social_posts_go_to_the_scheduler_webhook_once_per_platform(
    db: Database, settings: Settings
) -> None:
    route = respx.post(SOCIAL).mock(return_value=httpx.Response(201))
    campaign = await make_ready_campaign(
        db, settings=settings, contacts_count=4, channels=["x", "linkedin"]
    )

    async with httpx.AsyncClient() as http:
        report = await executor.run(db, campaign.id, settings, Options(http=http))

    assert report.sent == 2
    posts = {json.loads(c.request.content)["platform"]: c.request for c in route.calls}
    assert set(posts) == {"x", "linkedin"}
    for request in posts.values():
        assert verify("test-secret", request.headers, request.content)
        assert json.loads(request.content)["text"].endswith("https://example.com/spring")


@respx.mock
async def test_a_client_error_fails_permanently_without_retry(
    db: Database, outbox_settings: Settings
) -> None:
    respx.post(HOOK).mock(return_value=httpx.Response(422))
    campaign = await make_ready_campaign(
        db,
        settings=outbox_settings,
        contacts_count=1,
        channels=["webhook"],
        config={"webhook": {"url": HOOK}},
    )
    async with httpx.AsyncClient() as http:
        report = await executor.run(db, campaign.id, outbox_settings, Options(http=http))
    assert (report.failed, report.retried, report.state) == (1, 0, State.COMPLETED)


@pytest.fixture
def settings(outbox_settings: Settings) -> Settings:
    """Social posts go to the scheduling service's webhook."""
    return outbox_settings.model_copy(update={"social_webhook_url": SOCIAL})


async def _with_post(db: Database, settings: Settings, full_text: str, **fields: Any) -> str:
    """An approved x + linkedin campaign whose post was edited by hand to `full_text`."""
    campaign = await make_ready_campaign(
        db, settings=settings, contacts_count=0, channels=["x", "linkedin"], approve=False, **fields
    )
    for channel in ("x", "linkedin"):
        await repository.insert_asset(
            db,
            {
                "campaign": campaign.id,
                "channel": channel,
                "variant": "segment",
                "version": 2,
                "content": {**SOCIAL_ASSET, "full_text": full_text},
            },
        )
    # Past the quality gate, which would refuse an over-long post: the channel's own check.
    override = "the channel checks the length itself"
    return (await approval.approve(db, campaign.id, settings, override=override)).id


@respx.mock
async def test_a_post_longer_than_the_platform_allows_fails_with_the_reason(
    db: Database, settings: Settings
) -> None:
    route = respx.post(SOCIAL).mock(return_value=httpx.Response(201))
    key = await _with_post(db, settings, "Spring " * 41)  # 286 characters once trimmed

    async with httpx.AsyncClient() as http:
        report = await executor.run(db, key, settings, Options(http=http))

    assert (report.sent, report.failed, report.state) == (1, 1, State.COMPLETED)
    assert [json.loads(c.request.content)["platform"] for c in route.calls] == ["linkedin"]
    [failed] = await delivery_repository.deliveries(db, key, state="failed")
    assert failed["channel"] == "x"
    assert "the x post is 286 characters; x allows 280" in failed["reason"]


@respx.mock
async def test_x_counts_a_link_as_23_characters(db: Database, settings: Settings) -> None:
    route = respx.post(SOCIAL).mock(return_value=httpx.Response(201))
    text = "a" * 250 + " https://example.com/" + "long-path/" * 10
    key = await _with_post(db, settings, text)

    async with httpx.AsyncClient() as http:
        report = await executor.run(db, key, settings, Options(http=http))

    assert (report.sent, report.failed) == (2, 0)
    assert {json.loads(c.request.content)["text"] for c in route.calls} == {text}


@respx.mock
async def test_a_webhook_connector_without_url_fails_until_configured_then_resume_posts(
    db: Database, outbox_settings: Settings, settings: Settings
) -> None:
    route = respx.post(SOCIAL).mock(return_value=httpx.Response(201))
    key = await _with_post(
        db, outbox_settings, "Spring is here", config={"x": {"connector": "webhook"}}
    )

    async with httpx.AsyncClient() as http:
        report = await executor.run(db, key, outbox_settings, Options(http=http))

        # linkedin has no connector configured: the file connector writes it.
        assert (report.sent, report.failed, report.state) == (1, 1, State.PAUSED)
        assert "x channel not configured" in (report.reason or "")
        assert "needs a URL" in (report.reason or "")
        assert not route.called

        report = await executor.resume(db, key, settings, Options(http=http))

    assert (report.recovered["retried"], report.sent, report.state) == (1, 1, State.COMPLETED)
    [call] = route.calls
    assert json.loads(call.request.content)["platform"] == "x"


@respx.mock
async def test_a_post_interrupted_mid_send_is_posted_again_with_its_key_and_never_after(
    db: Database, settings: Settings
) -> None:
    route = respx.post(SOCIAL).mock(return_value=httpx.Response(201))
    key = await _with_post(db, settings, "Spring is here")
    [x_post] = [d for d in await delivery_repository.deliveries(db, key) if d["channel"] == "x"]
    # What a kill -9 during the POST leaves: the post claimed by a run that is gone.
    campaign = await service.require(db, key)
    await service.move(db, campaign, State.RUNNING, runner={"pid": 1, "host": "elsewhere"})
    await delivery_repository.claim(db, [x_post["id"]], "dead-run")

    async with httpx.AsyncClient() as http:
        report = await executor.resume(db, key, settings, Options(http=http, force=True))

    assert (report.recovered["requeued"], report.sent, report.state) == (1, 2, State.COMPLETED)
    keys = sorted(c.request.headers["Idempotency-Key"] for c in route.calls)
    assert x_post["id"] in keys and len(keys) == 2
    with pytest.raises(ValidationFailed):
        await executor.resume(db, key, settings)
    assert route.call_count == 2
