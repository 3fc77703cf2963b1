"""A channel's queued deliveries, a page at a time in key order, with the skip rules applied
and the approved asset picked per contact: what the executor sends, and what a dry run renders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from campaigns import delivery_repository, eligibility, repository, variants
from campaigns.frequency import RecentEmails
from campaigns.models import EMAIL, SEGMENT_VARIANT, WEBHOOK, Campaign
from crm.contacts.models import Contact
from crm.db import Database


@dataclass
class Work:
    """One delivery to send: to whom (None for a campaign-level post) and the asset's content."""

    delivery: str
    contact: Contact | None
    content: dict[str, Any]


@dataclass
class Page:
    """One page of a channel's queued deliveries: what to send, and what to skip and why."""

    works: list[Work]
    skipped: dict[str, str]


async def pages(
    db: Database, campaign: Campaign, channel: str, rules: eligibility.Rules, size: int
) -> AsyncIterator[Page]:
    """The channel's queued deliveries, `size` at a time in key order, with skip rules applied
    and the approved asset picked per contact; never more than one page in memory."""
    found = await repository.latest_assets(db, campaign.id, channel, [SEGMENT_VARIANT])
    default: dict[str, Any] = found[SEGMENT_VARIANT]["content"] if found else {}
    recent = RecentEmails(campaign.id, rules.frequency_hours)
    async for rows in delivery_repository.queued_pages(db, campaign.id, channel, size):
        contacts = {r["id"]: variants.contact_of(r.get("person")) for r in rows}
        skipped: dict[str, str] = {}
        if channel in (EMAIL, WEBHOOK):
            skipped = await eligibility.skip_reasons(db, channel, contacts, rules, recent)
        personal = await variants.personal_assets(db, campaign, channel, contacts)
        works = [
            Work(key, contact, personal.get(contact.id, default) if contact else default)
            for key, contact in contacts.items()
            if key not in skipped
        ]
        yield Page(works, skipped)
