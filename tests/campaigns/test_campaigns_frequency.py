"""The frequency limit (campaigns.frequency): who other campaigns emailed within the window,
read once per run while no other campaign sends, asked per contact while one does."""

from __future__ import annotations

from datetime import timedelta

from campaigns import executor
from campaigns.delivery_repository import queued_pages
from campaigns.frequency import RecentEmails
from crm.db import Database, record
from factories import make_another_campaign, make_ready_campaign
from kernel.settings import Settings
from smtp_sink import Sink


async def _age_campaign(db: Database, key: str, hours: float) -> None:
    """As if the campaign's last state change was `hours` ago."""
    await db.query(
        "UPDATE $id SET updated_at = time::now() - <duration> $d RETURN NONE",
        {"id": record("campaign", key), "d": f"{int(hours * 3600)}s"},
    )


async def _sent_hours_ago(db: Database, campaign: str, email: str, hours: float) -> None:
    await db.query(
        "UPDATE delivery SET sent_at = time::now() - <duration> $d"
        " WHERE campaign = $c AND contact.email = $email RETURN NONE",
        {"c": record("campaign", campaign), "email": email, "d": f"{int(hours * 3600)}s"},
    )


async def test_the_window_read_skips_who_an_earlier_campaign_emailed_within_it(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    first = await make_ready_campaign(db, settings=send_settings, contacts_count=3)
    await executor.run(db, first.id, send_settings)
    await _sent_hours_ago(db, first.id, "person0@example.com", 25)
    await _sent_hours_ago(db, first.id, "person1@example.com", 23)
    await _age_campaign(db, first.id, 2)  # nothing else sends: the run reads the window once
    second = await make_another_campaign(db, settings=send_settings)

    report = await executor.run(db, second.id, send_settings)

    assert report.skip_reasons == {"frequency_limit": 2}
    assert [m.recipients for m in smtp_sink.received[3:]] == [["person0@example.com"]]


async def test_a_campaign_sending_meanwhile_is_seen_and_its_emails_count_after_it_stops(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    waiting = await make_ready_campaign(db, settings=send_settings, contacts_count=2)
    other = await make_another_campaign(db, settings=send_settings)
    contacts = [
        r["person"]["id"] async for page in queued_pages(db, waiting.id, "email", 10) for r in page
    ]
    recent = RecentEmails(waiting.id, 24, margin=timedelta(0))
    assert await recent.among(db, contacts) == set()

    await executor.run(db, other.id, send_settings)  # sends to both, then completes
    assert await recent.among(db, contacts) == set(contacts)  # asked per contact
    await _age_campaign(db, other.id, 1)
    assert await recent.among(db, contacts) == set(contacts)  # the window is read again
