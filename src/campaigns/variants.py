"""Which asset each contact of a page of queued deliveries gets: its own personalised email,
if the campaign has one for it, else the segment-level asset."""

from __future__ import annotations

from typing import Any

from campaigns import repository
from campaigns.models import CONTACT_VARIANT_PREFIX, EMAIL, Campaign
from crm.contacts.models import Contact
from crm.db import Database


async def personal_assets(
    db: Database, campaign: Campaign, channel: str, contacts: dict[str, Contact | None]
) -> dict[str, dict[str, Any]]:
    """contact id -> the content of its personalised asset, for the contacts that have one."""
    if not (campaign.personalize and channel == EMAIL):
        return {}
    variants = [CONTACT_VARIANT_PREFIX + c.id for c in contacts.values() if c is not None]
    found = await repository.latest_assets(db, campaign.id, channel, variants)
    return {v.removeprefix(CONTACT_VARIANT_PREFIX): a["content"] for v, a in found.items()}


def contact_of(person: dict[str, Any] | None) -> Contact | None:
    """The contact of a queued delivery's `person` projection (see delivery_repository)."""
    # A link to a deleted contact yields a projection of NONEs rather than NONE.
    return Contact.model_validate(person) if person and person.get("id") else None
