"""A scheduled campaign through the real executor: a worker dies mid-send, another resumes
the run through the executor's resume path, and every contact gets exactly one email."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from campaigns import delivery_repository
from campaigns import service as campaigns
from campaigns.channels.outbox import OutboxWriter
from campaigns.models import State
from crm.db import Database
from factories import make_ready_campaign, make_schedule
from kernel.settings import Settings
from scheduling import service
from scheduling.clock import FakeClock
from scheduling.jobs import production_job
from scheduling.models import RunStatus
from scheduling.service import ClaimPolicy
from scheduling.worker import Worker

CONTACTS = 30
LEASE = 60.0


def worker(db: Database, settings: Settings, clock: FakeClock, owner: str) -> Worker:
    return Worker(
        db,
        production_job(settings),
        policy=ClaimPolicy(owner=owner, lease_seconds=LEASE),
        clock=clock,
    )


async def kill_mid_send(
    w: Worker, clock: FakeClock, seconds: float, after: int, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Move time on by `seconds` with `w` running; once its executor has written `after`
    messages the machine hangs mid-send, and the worker is killed (nothing released).
    Returns the deliveries written."""
    written: list[str] = []
    wedged = asyncio.Event()
    send = OutboxWriter.send

    async def send_until_wedged(self: OutboxWriter, message: Any) -> Any:
        if len(written) >= after:
            wedged.set()
            await asyncio.Event().wait()
        written.append(message.delivery)
        return await send(self, message)

    monkeypatch.setattr(OutboxWriter, "send", send_until_wedged)
    loop = asyncio.create_task(w.run())
    await clock.advance(seconds)
    async with asyncio.timeout(30):
        await wedged.wait()
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    monkeypatch.setattr(OutboxWriter, "send", send)
    return written


async def test_a_run_taken_over_mid_send_delivers_each_email_once(
    db: Database, outbox_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=CONTACTS)
    await make_schedule(db, clock=clock, target=campaign.id, at=datetime(2026, 1, 5, 9, 0))
    w1 = worker(db, outbox_settings, clock, "w1")
    written = await kill_mid_send(w1, clock, 3600, CONTACTS // 3, monkeypatch)

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


async def test_a_repeating_round_taken_over_mid_send_delivers_each_email_once_per_round(
    db: Database, outbox_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=CONTACTS)
    await make_schedule(db, clock=clock, target=campaign.id, cron="0 9 * * *", repeat=True)
    w1 = worker(db, outbox_settings, clock, "w1")
    await clock.advance(3600)
    await w1.tick()
    await w1.wait_idle()  # the first round, undisturbed
    await kill_mid_send(w1, clock, 86_400, CONTACTS // 2, monkeypatch)  # the second round

    w2 = worker(db, outbox_settings, clock, "w2")
    await clock.advance(LEASE)
    [taken] = await w2.tick()
    await w2.wait_idle()

    second, first = await service.runs(db)
    assert (taken.id, second.status, second.workers) == (
        second.id,
        RunStatus.SUCCEEDED,
        ["w1", "w2"],
    )
    rows = await delivery_repository.deliveries(db, campaign.id, limit=1000)
    per_round = Counter((r["round"], r["contact"]) for r in rows if r["state"] == "sent")
    assert len(per_round) == 2 * CONTACTS
    assert set(per_round.values()) == {1}
    assert {r for r, _ in per_round} == {first.id, second.id}
    files = list((outbox_settings.outbox_path / campaign.id).glob("*.eml"))
    assert len(files) == 2 * CONTACTS
