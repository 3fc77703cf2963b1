"""Who is not sent to, and why: decided per batch just before sending, so an unsubscribe
that arrives mid-campaign still counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from campaigns import repository
from campaigns.models import EMAIL, Campaign
from crm.contacts.models import Contact, Status
from crm.db import Database
from crm.normalize import email_key

CONTACT_DELETED = "contact_deleted"
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"
SUPPRESSED = "suppressed"
NO_CONSENT = "no_consent"
NO_EMAIL = "no_email"
FREQUENCY = "frequency_limit"


@dataclass(frozen=True)
class Rules:
    require_consent: bool
    # Hours within which a contact gets at most one campaign email; 0 turns the limit off.
    frequency_hours: float


def rules_for(campaign: Campaign, *, require_consent: bool, frequency_hours: float) -> Rules:
    hours = campaign.frequency_hours if campaign.frequency_hours is not None else frequency_hours
    return Rules(require_consent=require_consent, frequency_hours=hours)


def _reason(
    contact: Contact | None, channel: str, rules: Rules, suppressed: set[str], recent: set[str]
) -> str | None:
    if contact is None:
        return CONTACT_DELETED
    if contact.status == Status.UNSUBSCRIBED:
        return UNSUBSCRIBED
    if contact.status == Status.BOUNCED:
        return BOUNCED
    if email_key(contact.email) in suppressed:
        return SUPPRESSED
    if rules.require_consent and not contact.consent_explicit:
        return NO_CONSENT
    if channel == EMAIL and not contact.email:
        return NO_EMAIL
    if channel == EMAIL and contact.id in recent:
        return FREQUENCY
    return None


async def skip_reasons(
    db: Database,
    campaign: Campaign,
    channel: str,
    contacts: dict[str, Contact | None],
    rules: Rules,
) -> dict[str, str]:
    """delivery key -> why it is skipped, for the deliveries among `contacts` (delivery key ->
    its contact, None when deleted since approval) that must not be sent."""
    present = [c for c in contacts.values() if c is not None]
    suppressed = await repository.suppressed_among(db, [email_key(c.email) for c in present])
    recent: set[str] = set()
    if channel == EMAIL and rules.frequency_hours > 0:
        since = datetime.now(UTC) - timedelta(hours=rules.frequency_hours)
        recent = await repository.recently_emailed(
            db, [c.id for c in present], since=since, exclude_campaign=campaign.id
        )
    reasons = {
        key: _reason(contact, channel, rules, suppressed, recent)
        for key, contact in contacts.items()
    }
    return {key: reason for key, reason in reasons.items() if reason is not None}
