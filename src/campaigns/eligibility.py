"""Who is not sent to, and why: decided per batch just before sending, so an unsubscribe
that arrives mid-campaign still counts."""

from __future__ import annotations

from dataclasses import dataclass

from campaigns import suppression_repository
from campaigns.frequency import RecentEmails
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
    channel: str,
    contacts: dict[str, Contact | None],
    rules: Rules,
    recent: RecentEmails,
) -> dict[str, str]:
    """delivery key -> why it is skipped, for the deliveries among `contacts` (delivery key ->
    its contact, None when deleted since approval) that must not be sent."""
    present = [c for c in contacts.values() if c is not None]
    suppressed = await suppression_repository.suppressed_among(
        db, [email_key(c.email) for c in present]
    )
    emailed = await recent.among(db, [c.id for c in present]) if channel == EMAIL else set()
    reasons = {
        key: _reason(contact, channel, rules, suppressed, emailed)
        for key, contact in contacts.items()
    }
    return {key: reason for key, reason in reasons.items() if reason is not None}
