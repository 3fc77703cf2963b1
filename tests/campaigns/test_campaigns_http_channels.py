"""Webhook and social channels over respx: signed JSON, idempotency keys, retries."""

from __future__ import annotations

import json

import httpx
import respx

from campaigns import executor
from campaigns.channels.webhook import verify
from campaigns.executor import Options
from campaigns.models import State
from crm.db import Database
from crm.settings import Settings
from factories import make_ready_campaign

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
    db: Database, outbox_settings: Settings
) -> None:
    route = respx.post(SOCIAL).mock(return_value=httpx.Response(201))
    settings = outbox_settings.model_copy(update={"social_webhook_url": SOCIAL})
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
