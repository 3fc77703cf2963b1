"""Merge fields: what a recipient receives, and what approval refuses."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from campaigns import approval, executor, service
from campaigns import repository as campaign_rows
from campaigns.delivery_repository import queued_pages
from campaigns.models import State
from crm.db import Database
from factories import make_campaign, make_contact, make_segment
from kernel.errors import ValidationFailed
from kernel.settings import Settings
from smtp_sink import Sink

ASSET = {
    "subject": "{{first_name|Friend}}, spring is here",
    "preheader": "Made for {{company|your team}}",
    "body": "Hi {{ first_name | there }},\n\nYour plan: {{custom.plan|Free}}.\n\nBest regards",
    "body_html": "<p>Hi {{first_name|there}},</p><p>Your plan: {{custom.plan|Free}}.</p>",
}


async def _campaign_in_review(db: Database, content: dict[str, Any]) -> str:
    await make_segment(db)
    campaign = await make_campaign(db)
    campaign = await service.move(db, campaign, State.GENERATING)
    await campaign_rows.insert_asset(
        db,
        {
            "campaign": campaign.id,
            "channel": "email",
            "variant": "segment",
            "version": 1,
            "content": content,
        },
    )
    return (await service.move(db, campaign, State.REVIEW)).id


def _parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()).replace("\r\n", "\n"), str(html.get_content())


async def test_fields_are_filled_per_contact_with_fallbacks(
    db: Database, send_settings: Settings, smtp_sink: Sink
) -> None:
    await make_contact(
        db,
        email="ada@example.com",
        first_name="Ada",
        company="Initech & Co",
        custom={"plan": "Pro"},
    )
    await make_contact(db, email="bob@example.com")
    key = await _campaign_in_review(db, ASSET)
    await approval.approve(db, key, send_settings)

    await executor.run(db, key, send_settings)

    [ada] = smtp_sink.to("ada@example.com")
    [bob] = smtp_sink.to("bob@example.com")
    assert ada.message["Subject"] == "Ada, spring is here"
    assert bob.message["Subject"] == "Friend, spring is here"
    ada_text, ada_html = _parts(ada.message)
    bob_text, bob_html = _parts(bob.message)
    assert ada_text.startswith("Hi Ada,\n\nYour plan: Pro.")
    assert bob_text.startswith("Hi there,\n\nYour plan: Free.")
    assert "Made for Initech &amp; Co" in ada_html and "<p>Hi Ada,</p>" in ada_html
    assert "Made for your team" in bob_html
    for received in (ada, bob):
        assert "{{" not in received.message.as_string()


async def test_approval_refuses_an_unknown_field(db: Database, send_settings: Settings) -> None:
    await make_contact(db, email="ada@example.com", first_name="Ada")
    key = await _campaign_in_review(db, {**ASSET, "subject": "{{firstname}}, hello"})

    with pytest.raises(
        ValidationFailed, match=r"unknown merge field \{\{firstname\}\} \(1 contact\)"
    ):
        await approval.approve(db, key, send_settings)

    assert (await service.require(db, key)).state == State.REVIEW
    assert [page async for page in queued_pages(db, key, "email", 10)] == []


async def test_approval_counts_members_lacking_a_field_without_fallback(
    db: Database, send_settings: Settings
) -> None:
    await make_contact(db, email="ada@example.com", first_name="Ada", custom={"plan": "Pro"})
    await make_contact(db, email="bob@example.com")
    await make_contact(db, email="cy@example.com")
    content = {**ASSET, "subject": "{{first_name}}: your {{custom.plan}} plan"}
    key = await _campaign_in_review(db, content)

    with pytest.raises(ValidationFailed) as refused:
        await approval.approve(db, key, send_settings)

    assert "{{first_name}} is empty for 2 contacts" in str(refused.value)
    assert "{{custom.plan}} is empty for 2 contacts" in str(refused.value)
    assert refused.value.details == {"unknown": {}, "lacking": {"first_name": 2, "custom.plan": 2}}
    assert (await service.require(db, key)).state == State.REVIEW


async def test_fields_every_member_has_are_approved(db: Database, send_settings: Settings) -> None:
    await make_contact(db, email="ada@example.com", first_name="Ada")
    key = await _campaign_in_review(db, {**ASSET, "subject": "{{first_name}}, hello"})

    approved = await approval.approve(db, key, send_settings)

    assert approved.state == State.APPROVED and approved.members == 1
