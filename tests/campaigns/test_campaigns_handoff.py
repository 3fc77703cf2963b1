"""After a crash, the dead run's hand-off journal decides: deliveries it never handed to the
SMTP server are sent, those it saw accepted are recorded as sent, only the one in flight needs
review; without a journal this boot can trust, all of them go to review."""

from __future__ import annotations

import socket

from campaigns import delivery_repository, executor, handoff, service
from campaigns.delivery_repository import queued_pages
from campaigns.executor import Options
from campaigns.models import Campaign, State
from crm.db import Database
from factories import make_ready_campaign
from kernel.settings import Settings
from smtp_sink import Sink

DEAD = "dead-run"


async def _crashed(db: Database, settings: Settings) -> tuple[Campaign, list[str]]:
    """A campaign whose executor died with four deliveries claimed: the first went out, the
    second was being sent, the other two waited for their turn. Returns it and the keys."""
    campaign = await make_ready_campaign(db, settings=settings, contacts_count=6)
    runner = {"id": DEAD, "pid": 0, "host": socket.gethostname()}
    campaign = await service.move(db, campaign, State.RUNNING, runner=runner)
    keys = [r["id"] async for page in queued_pages(db, campaign.id, "email", 10) for r in page]
    await delivery_repository.claim(db, keys[:4], DEAD)
    return campaign, keys


async def test_resume_sends_what_was_never_handed_over_and_reviews_only_the_one_in_flight(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign, keys = await _crashed(db, send_settings)
    journal = handoff.Journal(handoff.journal_path(send_settings, DEAD))
    journal.handed(keys[0])
    journal.sent(keys[0])
    journal.handed(keys[1])
    journal.close(remove=False)

    report = await executor.resume(db, campaign.id, send_settings, Options(force=True))

    assert report.recovered == {"requeued": 0, "unsent": 2, "sent": 1, "review": 1, "retried": 0}
    assert [d.id for d in await service.needing_review(db, campaign.id)] == [keys[1]]
    delivered = {r.message["X-CRM-Delivery"] for r in smtp_sink.received}
    assert delivered == set(keys) - {keys[0], keys[1]}
    status = await service.status(db, campaign.id)
    assert (status.sent, status.review, status.queued, status.sending) == (5, 1, 0, 0)
    assert not handoff.journal_path(send_settings, DEAD).exists()


async def test_without_a_journal_of_this_boot_every_claimed_delivery_goes_to_review(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign, keys = await _crashed(db, send_settings)
    path = handoff.journal_path(send_settings, DEAD)
    path.parent.mkdir(parents=True)
    path.write_text(f"boot another-boot\n{keys[0]}\n")

    report = await executor.resume(db, campaign.id, send_settings, Options(force=True))

    assert (report.recovered["review"], report.recovered["unsent"]) == (4, 0)
    assert {d.id for d in await service.needing_review(db, campaign.id)} == set(keys[:4])
    assert len(smtp_sink.received) == 2
