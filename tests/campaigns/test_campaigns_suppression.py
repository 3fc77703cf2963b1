"""Bounces and complaints suppress addresses and end subscriptions."""

from __future__ import annotations

from email.parser import BytesParser
from pathlib import Path

import pytest

from campaigns import delivery_repository, executor, suppression
from campaigns.tracking import Tokens
from crm import schema
from crm.contacts import service as contacts
from crm.contacts.models import Status
from crm.db import Database
from factories import make_bare_contacts, make_contact, make_ready_campaign, migrated_before
from kernel.settings import Settings


async def test_hard_bounce_by_message_id_marks_the_contact_bounced(
    db: Database, outbox_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=1)
    report = await executor.run(db, campaign.id, outbox_settings)
    [delivery] = await delivery_repository.deliveries(db, campaign.id)
    [eml] = Path(report.outbox or "").glob("*.eml")
    message_id = BytesParser().parsebytes(eml.read_bytes(), headersonly=True)["Message-ID"]

    contact = await suppression.report_bounce(
        db, kind="hard", message_id=message_id, detail="550 5.1.1 unknown user"
    )

    assert contact is not None and contact.status == Status.BOUNCED
    assert await suppression.suppressed(db, [contact.email]) == {contact.email}
    assert (await delivery_repository.get_delivery(db, delivery["id"]) or {}).get("bounced_at")
    _, events = await contacts.history(db, contact.id)
    assert "bounced" in {e.kind for e in events}


@pytest.mark.parametrize(
    "message_id",
    [
        "<{delivery}.othercampaign@shop.example>",  # another campaign's key
        "<{delivery}@shop.example>",
        "<sent-by-another-tool@example.com>",
    ],
)
async def test_a_message_id_that_is_not_this_delivery_matches_no_delivery(
    db: Database, outbox_settings: Settings, message_id: str
) -> None:
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=1)
    await executor.run(db, campaign.id, outbox_settings)
    [delivery] = await delivery_repository.deliveries(db, campaign.id)

    contact = await suppression.report_bounce(
        db,
        kind="hard",
        email="x@example.org",
        message_id=message_id.format(delivery=delivery["id"]),
    )

    assert contact is None
    assert not (await delivery_repository.get_delivery(db, delivery["id"]) or {}).get("bounced_at")


async def test_complaint_unsubscribes_and_soft_bounce_only_records(db: Database) -> None:
    await make_contact(db, email="angry@example.com")
    await make_contact(db, email="full@example.com")

    await suppression.report_bounce(db, kind="complaint", email="angry@example.com")
    await suppression.report_bounce(db, kind="soft", email="full@example.com")

    assert (await contacts.require(db, "angry@example.com")).status == Status.UNSUBSCRIBED
    assert (await contacts.require(db, "full@example.com")).status == Status.NEW
    assert await suppression.suppressed(db, ["angry@example.com", "full@example.com"]) == {
        "angry@example.com"
    }


async def test_unknown_addresses_are_suppressed_too(db: Database) -> None:
    assert await suppression.report_bounce(db, kind="hard", email="gone@example.com") is None
    assert await suppression.suppressed(db, ["GONE@example.com"]) == {"gone@example.com"}
    assert await suppression.unsuppress(db, "gone@example.com")
    assert await suppression.suppressed(db, ["gone@example.com"]) == set()


async def test_unsubscribing_a_bounced_contact_keeps_it_bounced(db: Database) -> None:
    contact = await make_contact(db, email="b@example.com")
    await contacts.set_status(db, contact.id, Status.BOUNCED)
    tokens = Tokens("k")
    token = tokens.make("unsubscribe", {"c": "camp", "p": contact.id})

    result = await suppression.unsubscribe(db, tokens, token)

    assert result.status == Status.BOUNCED
    assert await suppression.suppressed(db, [contact.email]) == {contact.email}


async def test_bounces_of_emails_sent_before_message_ids_were_derived_still_match(
    outbox_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async for db in migrated_before(10, monkeypatch):
        await make_bare_contacts(db, count=1)
        campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=0)
        await executor.run(db, campaign.id, outbox_settings)
        [delivery] = await delivery_repository.deliveries(db, campaign.id)
        # As the earlier executor stored it on completion.
        stored = f"<{delivery['id']}.{campaign.id}@example.com>"
        await db.query("UPDATE delivery SET message_id = $m RETURN NONE", {"m": stored})

        assert 10 in [m.version for m in await schema.migrate(db)]
        indexes = (await db.one("INFO FOR TABLE delivery"))["indexes"]
        contact = await suppression.report_bounce(db, kind="hard", message_id=stored)

    assert "delivery_message_id" not in indexes and "delivery_key" in indexes
    assert contact is not None and contact.status == Status.BOUNCED
