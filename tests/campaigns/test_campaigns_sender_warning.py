"""Approval warns, and does not refuse, when an email would go out from the default sender."""

from __future__ import annotations

from campaigns.models import State
from crm.db import Database
from factories import make_ready_campaign
from kernel.settings import Settings


async def test_the_default_sender_is_approved_with_a_warning(db: Database) -> None:
    settings = Settings(db_url="mem://", secret_key="test-secret")  # type: ignore[arg-type]

    campaign = await make_ready_campaign(db, settings=settings, contacts_count=1)

    assert campaign.state == State.APPROVED
    assert campaign.state_reason is not None
    assert "the sender is still the default (Example <hello@example.com>)" in campaign.state_reason


async def test_a_configured_sender_is_approved_without_one(
    db: Database, send_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=send_settings, contacts_count=1)

    assert (campaign.state, campaign.state_reason) == (State.APPROVED, None)


async def test_a_campaigns_own_sender_counts(db: Database) -> None:
    settings = Settings(db_url="mem://", secret_key="test-secret")  # type: ignore[arg-type]

    campaign = await make_ready_campaign(
        db, settings=settings, contacts_count=1, from_email="news@shop.example", sender_name="Shop"
    )

    assert campaign.state_reason is None
