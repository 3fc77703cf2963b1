"""Sending against misbehaving receivers and servers: every run ends."""

from __future__ import annotations

import asyncio

import httpx
import respx

from campaigns import executor, service
from campaigns.executor import Options
from campaigns.models import State
from crm.db import Database
from factories import make_ready_campaign
from kernel.settings import Settings

HOOK = "https://hooks.example/crm"


async def _yield(seconds: float) -> None:
    await asyncio.sleep(0)


@respx.mock
async def test_a_run_against_a_failing_receiver_always_ends(
    db: Database, outbox_settings: Settings
) -> None:
    failures = iter(range(30))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500 if next(failures, None) is not None else 200)

    respx.post(HOOK).mock(side_effect=answer)
    campaign = await make_ready_campaign(
        db,
        settings=outbox_settings,
        contacts_count=60,
        channels=["webhook"],
        config={"webhook": {"url": HOOK}},
    )
    async with httpx.AsyncClient() as http:
        report = await asyncio.wait_for(
            executor.run(db, campaign.id, outbox_settings, Options(http=http, sleep=_yield)), 20
        )
    assert report.state == State.PAUSED


@respx.mock
async def test_stopping_while_retries_wait_ends_the_run_and_resume_sends_them(
    db: Database, outbox_settings: Settings
) -> None:
    stop = asyncio.Event()
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 6:
            stop.set()  # Ctrl-C while earlier failures wait for their retry
        return httpx.Response(503)

    async def never(seconds: float) -> None:
        await asyncio.Event().wait()

    route = respx.post(HOOK).mock(side_effect=answer)
    campaign = await make_ready_campaign(
        db,
        settings=outbox_settings,
        contacts_count=12,
        channels=["webhook"],
        config={"webhook": {"url": HOOK, "concurrency": 2}},
    )
    async with httpx.AsyncClient() as http:
        report = await asyncio.wait_for(
            executor.run(
                db, campaign.id, outbox_settings, Options(http=http, sleep=never, stop=stop)
            ),
            20,
        )
        assert report.state == State.PAUSED
        assert (await service.delivery_counts(db, campaign.id)).queued == 12

        route.mock(return_value=httpx.Response(200))
        report = await executor.resume(db, campaign.id, outbox_settings, Options(http=http))
    assert (report.state, report.sent) == (State.COMPLETED, 12)
