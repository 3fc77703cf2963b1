"""A test send: what the tester receives, and that nothing about the campaign changes."""

from __future__ import annotations

import pytest

from campaigns import service
from campaigns.test_send import test_send as send_test
from crm.db import Database
from crm.segments import service as segments
from factories import make_contact, make_ready_campaign
from kernel.errors import ValidationFailed
from kernel.settings import Settings
from smtp_sink import Sink


async def test_the_tester_gets_what_the_contact_would_marked_as_a_test(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign = await make_ready_campaign(
        db, settings=send_settings, contacts_count=2, approve=False
    )
    await make_contact(db, email="zed@example.com", first_name="Zed")
    before = await service.status(db, campaign.id)

    sent = await send_test(
        db, campaign.id, send_settings, to="me@example.com", contact="zed@example.com"
    )

    [received] = smtp_sink.received
    message = received.message
    assert received.recipients == ["me@example.com"]
    assert message["To"] == "me@example.com"
    assert message["Subject"] == "[TEST] Spring is here" == sent.subject
    assert message["X-CRM-Test"] == "rendered for zed@example.com"
    text = str(message.get_body(("plain",)).get_content())
    assert "1 Main Street, Springfield" in text and "/t/c/" in text
    assert (sent.contact, sent.sent_via) == ("zed@example.com", "smtp")
    assert await service.status(db, campaign.id) == before


async def test_the_first_member_by_default(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    campaign = await make_ready_campaign(db, settings=send_settings, contacts_count=2)

    sent = await send_test(db, campaign.id, send_settings, to="me@example.com")

    [first], _ = await segments.preview(db, "all", limit=1)  # members in id order
    assert sent.contact == first.email
    assert [r.message["To"] for r in smtp_sink.received] == ["me@example.com"]


async def test_a_campaign_without_email_is_refused(db: Database, send_settings: Settings) -> None:
    campaign = await make_ready_campaign(db, settings=send_settings, channels=("linkedin",))

    with pytest.raises(ValidationFailed, match="sends no email"):
        await send_test(db, campaign.id, send_settings, to="me@example.com")
