"""The daily activity the dashboard and `GET /api/v1/analytics/activity` show: sends from the
delivery records, opens, clicks and form submissions from the contacts' events, per UTC day
over the window only, with 0 for a quiet day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaigns import executor
from crm.db import Database
from crm.events import service as events
from factories import make_contact, make_ready_campaign
from insights import analytics
from kernel.settings import Settings

DAY = timedelta(days=1)


async def test_each_day_of_the_window_counts_what_happened_that_day(
    db: Database, outbox_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=3)
    await executor.run(db, campaign.id, outbox_settings)
    ada = await make_contact(db, email="ada@example.com")
    now = datetime.now(UTC)
    for kind, ago in [
        ("email_opened", timedelta(0)),
        ("email_opened", timedelta(0)),
        ("email_clicked", DAY),
        ("form_submitted", 3 * DAY),
        ("email_opened", 30 * DAY),  # the day before the window
        ("email_bounced", timedelta(0)),  # not a series
    ]:
        await events.record_event(db, ada.id, kind, at=now - ago)

    days = (await analytics.daily_activity(db, now=now)).days

    assert len(days) == 30
    assert days[-1].day == now.date() and days[0].day == (now - 29 * DAY).date()
    busy = {
        d.day: (d.sent, d.opened, d.clicked, d.submitted)
        for d in days
        if (d.sent, d.opened, d.clicked, d.submitted) != (0, 0, 0, 0)
    }
    today, yesterday = now.date(), (now - DAY).date()
    assert busy == {
        today: (3, 2, 0, 0),
        yesterday: (0, 0, 1, 0),
        (now - 3 * DAY).date(): (0, 0, 0, 1),
    }


async def test_a_shorter_window_leaves_older_days_out(db: Database) -> None:
    ada = await make_contact(db, email="ada@example.com")
    now = datetime(2026, 12, 5, 10, tzinfo=UTC)
    await events.record_event(db, ada.id, "email_clicked", at=now - 7 * DAY)
    await events.record_event(db, ada.id, "email_clicked", at=datetime(2026, 11, 29, tzinfo=UTC))

    days = (await analytics.daily_activity(db, days=7, now=now)).days

    assert [d.day.isoformat() for d in days][:2] == ["2026-11-29", "2026-11-30"]
    assert [d.clicked for d in days] == [1, 0, 0, 0, 0, 0, 0]
