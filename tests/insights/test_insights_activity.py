"""A contact's timeline shows each message sent to it, read from its delivery records, and
migration 0014 removes the `*_sent` events stored before, so none shows twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from campaigns import executor
from crm.contacts import service as contacts
from crm.contacts.models import Status
from crm.db import Database, record
from crm.schema import migrate
from factories import make_contact, make_ready_campaign, migrated_before
from insights import activity
from kernel.settings import Settings
from smtp_sink import Sink


async def _kinds(db: Database, email: str) -> list[tuple[str, dict[str, object]]]:
    _, events = await activity.history(db, email)
    return [(e.kind, e.data) for e in events if e.kind.endswith("_sent")]


async def test_the_timeline_shows_each_sent_message_once_and_nothing_for_a_skipped_one(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    await make_contact(db, email="ok@example.com", first_name="Ok")
    await make_contact(db, email="unsub@example.com", first_name="Un")
    campaign = await make_ready_campaign(db, settings=send_settings, contacts_count=0)
    await contacts.set_status(db, "unsub@example.com", Status.UNSUBSCRIBED)

    await executor.run(db, campaign.id, send_settings)

    assert await _kinds(db, "ok@example.com") == [("email_sent", {"campaign": campaign.id})]
    assert await _kinds(db, "unsub@example.com") == []
    _, events = await activity.history(db, "ok@example.com")
    assert [e.kind for e in events][-1] == "created"  # newest first, the sent entry on top


@pytest.fixture
async def db_before_0014(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    async for db in migrated_before(14, monkeypatch):
        yield db


async def test_the_upgrade_drops_stored_sent_events_and_keeps_the_others(
    db_before_0014: Database,
) -> None:
    db = db_before_0014
    await db.query("CREATE contact:a CONTENT {email: 'a@x.com', email_key: 'a@x.com'}")
    now = datetime.now(UTC)
    await db.query(
        "INSERT INTO event $events RETURN NONE",
        {
            "events": [
                {"contact": record("contact", "a"), "kind": kind, "at": now, "data": {}}
                for kind in ("email_sent", "webhook_sent", "email_opened", "note")
            ]
        },
    )

    await migrate(db)

    kinds = await db.one("SELECT VALUE kind FROM event ORDER BY kind")
    assert kinds == ["email_opened", "note"]
