"""A scheduled campaign through the real executor: a worker dies mid-send, another resumes
the run through the executor's resume path, and every contact gets exactly one email."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from campaigns import service as campaigns
from campaigns.channels.outbox import OutboxWriter
from campaigns.models import State
from campaigns.scheduling import service
from campaigns.scheduling.clock import FakeClock
from campaigns.scheduling.jobs import production_job
from campaigns.scheduling.models import RunStatus
from campaigns.scheduling.service import ClaimPolicy
from campaigns.scheduling.worker import Worker
from crm.db import Database
from crm.settings import Settings
from factories import make_ready_campaign, make_schedule

CONTACTS = 30
LEASE = 60.0


def worker(db: Database, settings: Settings, clock: FakeClock, owner: str) -> Worker:
    return Worker(
        db,
        production_job(settings),
        policy=ClaimPolicy(owner=owner, lease_seconds=LEASE),
        clock=clock,
    )


async def test_a_run_taken_over_mid_send_delivers_each_email_once(
    db: Database, outbox_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=CONTACTS)
    await make_schedule(db, clock=clock, target=campaign.id, at=datetime(2026, 1, 5, 9, 0))
    written: list[str] = []
    wedged = asyncio.Event()
    send = OutboxWriter.send

    async def send_until_wedged(self: OutboxWriter, message: Any) -> Any:
        if len(written) >= CONTACTS // 3:  # the first worker's machine hangs here
            wedged.set()
            await asyncio.Event().wait()
        written.append(message.delivery)
        return await send(self, message)

    monkeypatch.setattr(OutboxWriter, "send", send_until_wedged)
    w1 = worker(db, outbox_settings, clock, "w1")
    loop1 = asyncio.create_task(w1.run())
    await clock.advance(3600)
    async with asyncio.timeout(30):
        await wedged.wait()
    loop1.cancel()  # killed: its executor stops mid-send and nothing is released
    with pytest.raises(asyncio.CancelledError):
        await loop1
    monkeypatch.setattr(OutboxWriter, "send", send)

    w2 = worker(db, outbox_settings, clock, "w2")
    await clock.advance(LEASE)
    [taken] = await w2.tick()
    await w2.wait_idle()

    [run] = await service.runs(db)
    assert taken.resuming
    assert (run.status, run.workers, run.counts["sent"]) == (
        RunStatus.SUCCEEDED,
        ["w1", "w2"],
        CONTACTS - len(written),
    )
    status = await campaigns.status(db, campaign.id)
    assert (status.state, status.sent, status.review, status.queued) == (
        State.COMPLETED,
        CONTACTS,
        0,
        0,
    )
    files = list((outbox_settings.outbox_path / campaign.id).glob("*.eml"))
    assert len(files) == CONTACTS  # one message per contact, none written twice under new names
