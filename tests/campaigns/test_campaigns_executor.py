"""The executor against a real SMTP server: exactly once, skips, retries, pauses, resume."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from campaigns import delivery_repository, executor, service, suppression
from campaigns.delivery_repository import queued_pages
from campaigns.executor import Options
from campaigns.models import DeliveryState, State
from crm.contacts import service as contacts
from crm.contacts.models import Status
from crm.db import Database
from factories import consent_record, make_another_campaign, make_contact, make_ready_campaign
from kernel.errors import ValidationFailed
from kernel.settings import Settings
from smtp_sink import Sink


class Sleeps:
    """An injected sleep: records the delays and returns at once (no real waiting)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def test_every_member_gets_exactly_one_email(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign = await make_ready_campaign(db, settings=send_settings, contacts_count=12)

    report = await executor.run(db, campaign.id, send_settings)

    assert (report.sent, report.skipped, report.failed, report.review) == (12, 0, 0, 0)
    assert report.state == State.COMPLETED
    recipients = Counter(r for m in smtp_sink.received for r in m.recipients)
    assert len(recipients) == 12 and set(recipients.values()) == {1}
    status = await service.status(db, campaign.id)
    assert (status.state, status.sent, status.queued, status.sending) == (State.COMPLETED, 12, 0, 0)


async def test_a_second_run_or_resume_sends_nothing_again(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign = await make_ready_campaign(db, settings=send_settings, contacts_count=3)
    await executor.run(db, campaign.id, send_settings)

    with pytest.raises(ValidationFailed):
        await executor.run(db, campaign.id, send_settings)
    with pytest.raises(ValidationFailed):
        await executor.resume(db, campaign.id, send_settings)
    assert len(smtp_sink.received) == 3


async def test_skips_are_recorded_with_their_reasons(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    settings = send_settings.model_copy(update={"require_consent": True})
    consenting = {"consent": consent_record(), "first_name": "Pat"}
    await make_contact(db, email="ok@example.com", **consenting)
    await make_contact(db, email="unsub@example.com", **consenting)
    await make_contact(db, email="bounced@example.com", **consenting)
    await make_contact(db, email="blocked@example.com", **consenting)
    await make_contact(db, email="silent@example.com")
    campaign = await make_ready_campaign(db, settings=settings, contacts_count=0)
    # Changes after approval still count: they are checked just before sending.
    await contacts.set_status(db, "unsub@example.com", Status.UNSUBSCRIBED)
    await contacts.set_status(db, "bounced@example.com", Status.BOUNCED)
    await suppression.suppress(db, "Blocked@Example.com", reason="manual")

    report = await executor.run(db, campaign.id, settings)

    assert [r.recipients for r in smtp_sink.received] == [["ok@example.com"]]
    assert report.skip_reasons == {
        "unsubscribed": 1,
        "bounced": 1,
        "suppressed": 1,
        "no_consent": 1,
    }
    status = await service.status(db, campaign.id)
    assert status.skipped == 4 and status.skip_reasons == report.skip_reasons


async def test_frequency_limit_skips_contacts_emailed_by_another_campaign(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    first = await make_ready_campaign(db, settings=send_settings, contacts_count=2)
    await executor.run(db, first.id, send_settings)
    second = await make_another_campaign(db, settings=send_settings)
    unlimited = await make_another_campaign(db, settings=send_settings, frequency_hours=0)

    report = await executor.run(db, second.id, send_settings)
    assert report.skip_reasons == {"frequency_limit": 2}
    report = await executor.run(db, unlimited.id, send_settings)
    assert report.sent == 2
    assert len(smtp_sink.received) == 4


async def test_permanent_refusals_fail_and_transient_ones_are_retried(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign = await make_ready_campaign(db, settings=send_settings, contacts_count=3)
    smtp_sink.refuse["person0@example.com"] = (550, "no such user")
    smtp_sink.refuse["person1@example.com"] = (451, "try later")
    sleeps = Sleeps()

    report = await executor.run(db, campaign.id, send_settings, Options(sleep=sleeps))

    assert report.sent == 1
    assert report.failed == 2
    # 451 was tried max_attempts (3) times with growing backoff, then left retryable.
    assert report.retried == 2 and sleeps.delays == [1.0, 2.0]
    rows = await delivery_repository.deliveries(db, campaign.id, state="failed")
    by_reason = {r["reason"][:3]: r["retryable"] for r in rows}
    assert by_reason == {"550": False, "451": True}
    assert report.state == State.PAUSED
    assert "transient" in (report.reason or "")

    # The server recovers; resume retries only the retryable one.
    del smtp_sink.refuse["person1@example.com"]
    report = await executor.resume(db, campaign.id, send_settings, Options(sleep=sleeps))
    assert report.sent == 1 and report.recovered["retried"] == 1
    assert report.state == State.COMPLETED
    assert sorted(r.recipients[0] for r in smtp_sink.received) == [
        "person1@example.com",
        "person2@example.com",
    ]


async def test_error_threshold_pauses_the_campaign_with_the_reason(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign = await make_ready_campaign(
        db,
        settings=send_settings,
        contacts_count=6,
        config={"email": {"error_threshold": 2, "concurrency": 1, "max_attempts": 1}},
    )
    for n in range(6):
        smtp_sink.refuse[f"person{n}@example.com"] = (550, "rejected")

    report = await executor.run(db, campaign.id, send_settings)

    assert report.state == State.PAUSED
    assert "2 send errors" in (report.reason or "")
    status = await service.status(db, campaign.id)
    assert status.failed == 2 and status.queued == 4
    assert status.state_reason == report.reason


async def test_a_pause_from_elsewhere_stops_at_the_next_batch(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign = await make_ready_campaign(
        db,
        settings=send_settings,
        contacts_count=6,
        config={"email": {"batch_size": 2, "concurrency": 1}},
    )
    pauses: list[asyncio.Task[object]] = []

    def progress(channel: str, n: int) -> None:
        # Another caller (the API, a second CLI on a server database) pauses mid-run.
        if not pauses and len(smtp_sink.received) >= 2:
            pauses.append(asyncio.get_running_loop().create_task(service.pause(db, campaign.id)))

    report = await executor.run(db, campaign.id, send_settings, Options(progress=progress))

    assert report.state == State.PAUSED
    assert 2 <= len(smtp_sink.received) < 6
    report = await executor.resume(db, campaign.id, send_settings)
    assert report.state == State.COMPLETED
    assert len(smtp_sink.received) == 6
    assert len({r.recipients[0] for r in smtp_sink.received}) == 6


async def test_resume_after_a_crash_marks_unknown_smtp_sends_for_review(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign = await make_ready_campaign(db, settings=send_settings, contacts_count=4)
    # What a kill -9 leaves behind: the campaign running under a dead process, one delivery
    # claimed (maybe sent, maybe not) and no hand-off journal on this machine.
    keys = await _queued_keys(db, campaign.id)
    await service.move(db, campaign, State.RUNNING, runner={"pid": 2**22 + 7, "host": "x"})
    assert await delivery_repository.claim(db, keys[:1], "dead-run") == {keys[0]: 1}

    report = await executor.resume(db, campaign.id, send_settings, Options(force=True))

    assert report.recovered == {"requeued": 0, "unsent": 0, "sent": 0, "review": 1, "retried": 0}
    assert report.sent == 3
    assert len(smtp_sink.received) == 3
    assert report.state == State.PAUSED and "review" in (report.reason or "")
    [pending] = await service.needing_review(db, campaign.id)
    assert pending.id == keys[0]

    # Someone checks the server log: it never arrived, so it is queued and sent now.
    assert await service.resolve_review(db, campaign.id, [pending.id], sent=False) == 1
    report = await executor.resume(db, campaign.id, send_settings)
    assert report.sent == 1 and report.state == State.COMPLETED
    assert len(smtp_sink.received) == 4


async def test_outbox_is_idempotent_so_a_crash_is_resent_to_the_same_file(
    db: Database, outbox_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=3)
    keys = await _queued_keys(db, campaign.id)
    await service.move(db, campaign, State.RUNNING, runner={"pid": 1, "host": "elsewhere"})
    await delivery_repository.claim(db, keys[:1], "dead-run")

    report = await executor.resume(db, campaign.id, outbox_settings, Options(force=True))

    assert report.recovered["requeued"] == 1 and report.sent == 3
    files = sorted(p.name for p in Path(report.outbox or "").glob("*.eml"))
    assert files == sorted(f"{k}.eml" for k in keys)


async def test_dry_run_renders_everything_and_changes_nothing(
    db: Database, outbox_settings: Settings
) -> None:
    campaign = await make_ready_campaign(
        db, settings=outbox_settings, contacts_count=4, channels=["email", "linkedin"]
    )
    await suppression.suppress(db, "person3@example.com", reason="manual")
    before = await service.status(db, campaign.id)

    report = await executor.run(db, campaign.id, outbox_settings, Options(dry_run=True))

    assert report.dry_run and report.rendered == 4 and report.sent == 0
    assert report.skip_reasons == {"suppressed": 1}
    outbox = Path(report.outbox or "")
    assert len(list(outbox.glob("*.eml"))) == 3
    assert len(list(outbox.glob("*.linkedin.json"))) == 1
    after = await service.status(db, campaign.id)
    assert after == before
    assert after.state == State.APPROVED and after.queued == 5


async def test_the_queue_state_of_each_record_is_final_after_a_run(
    db: Database, outbox_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=5)
    await executor.run(db, campaign.id, outbox_settings)
    rows = await delivery_repository.deliveries(db, campaign.id)
    assert {r["state"] for r in rows} == {DeliveryState.SENT}
    assert all(r["attempts"] == 1 and r["sent_at"] for r in rows)


async def _queued_keys(db: Database, campaign: str) -> list[str]:
    return [r["id"] async for page in queued_pages(db, campaign, "email", 1000) for r in page]


async def test_small_batches_with_more_workers_than_queue_slots_finish(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    # The queue holds twice batch_size items; at the end every worker needs its own end marker.
    campaign = await make_ready_campaign(
        db,
        settings=send_settings,
        contacts_count=5,
        config={"email": {"batch_size": 1, "concurrency": 8}},
    )

    report = await executor.run(db, campaign.id, send_settings)

    assert report.state == State.COMPLETED
    assert len(smtp_sink.received) == 5
