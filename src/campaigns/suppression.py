"""The global suppression list, and the events that put people on it: unsubscribes, hard
bounces and spam complaints. Nothing is sent to a suppressed address by any campaign, even
when the contact is deleted and imported again."""

from __future__ import annotations

from typing import Any, Literal

from campaigns import delivery_repository, suppression_repository
from campaigns.channels import message_id as message_ids
from campaigns.tracking import Tokens
from crm.contacts import service as contacts
from crm.contacts.models import Contact, Status
from crm.db import Database
from crm.events import service as timeline
from crm.normalize import email_key
from kernel.errors import NotFound, ValidationFailed
from kernel.logs import get_logger

log = get_logger(__name__)

BounceKind = Literal["hard", "soft", "complaint"]


async def suppress(db: Database, email: str, *, reason: str, detail: str | None = None) -> None:
    await suppression_repository.suppress(db, email_key(email), reason, detail)
    log.info("campaigns.suppressed", reason=reason, domain=email.rpartition("@")[2])


async def unsuppress(db: Database, email: str) -> bool:
    return await suppression_repository.unsuppress(db, email_key(email))


async def suppressed(db: Database, emails: list[str]) -> set[str]:
    """The email keys among `emails` that are suppressed."""
    return await suppression_repository.suppressed_among(db, [email_key(e) for e in emails])


async def _end_subscription(db: Database, contact: Contact, status: Status) -> None:
    """Move the contact to a non-sendable status unless it already has one (those are final)."""
    if contact.sendable:
        await contacts.set_status(db, contact.id, status)


async def unsubscribe(db: Database, tokens: Tokens, token: str) -> Contact:
    """`GET|POST /unsubscribe/{token}` (RFC 8058 one-click): unsubscribe and suppress.

    Idempotent: mail clients may POST the same link more than once, and a repeat that
    changes nothing records nothing.
    """
    payload = tokens.verify("unsubscribe", token)
    contact = await contacts.get(db, payload["p"])
    if contact is None:
        raise NotFound("this contact no longer exists")
    if not contact.sendable and await suppressed(db, [contact.email]):
        return contact
    await _end_subscription(db, contact, Status.UNSUBSCRIBED)
    await suppress(db, contact.email, reason="unsubscribe", detail=f"campaign {payload['c']}")
    await timeline.add(db, [timeline.event(contact.id, "unsubscribed", campaign=payload["c"])])
    log.info("campaigns.unsubscribed", campaign=payload["c"], contact=contact.id)
    return await contacts.require(db, contact.id)


async def report_bounce(
    db: Database,
    *,
    kind: BounceKind,
    email: str | None = None,
    message_id: str | None = None,
    delivery_key: str | None = None,
    detail: str | None = None,
) -> Contact | None:
    """A bounce or complaint from a provider webhook, a DSN in a mailbox, or an SMTP server
    refusing the address while the executor sends (`delivery_key`).

    Hard bounces mark the contact bounced and suppress the address; complaints unsubscribe
    and suppress; soft bounces are only recorded on the timeline. The contact is found by the
    delivery (its key, or the Message-ID) when given, else by address. Returns the contact,
    if known.
    """
    if delivery_key:
        delivery = await delivery_repository.get_delivery(db, delivery_key)
    else:
        delivery = await _delivery_of(db, message_id) if message_id else None
    if delivery is None and email is None:
        raise ValidationFailed("a bounce needs the recipient's email or the Message-ID")
    ref = delivery["contact"] if delivery and delivery.get("contact") else email
    contact = await contacts.get(db, ref) if ref else None
    address = email or (contact.email if contact else None)
    if delivery is not None and kind != "soft":
        await delivery_repository.mark_bounced(db, delivery["id"])
    if address and kind != "soft":
        await suppress(
            db, address, reason="complaint" if kind == "complaint" else "bounce", detail=detail
        )
    if contact is not None:
        if kind != "soft":
            target = Status.UNSUBSCRIBED if kind == "complaint" else Status.BOUNCED
            await _end_subscription(db, contact, target)
        event = "complained" if kind == "complaint" else "bounced"
        campaign = delivery["campaign"] if delivery else None
        await timeline.add(
            db, [timeline.event(contact.id, event, bounce=kind, campaign=campaign, detail=detail)]
        )
    log.info("campaigns.bounce", kind=kind, known_contact=contact is not None)
    return await contacts.get(db, contact.id) if contact else None


async def _delivery_of(db: Database, message_id: str) -> dict[str, Any] | None:
    """The delivery an email with this Message-ID was sent for; None if it is not ours."""
    keys = message_ids.parse(message_id)
    return await delivery_repository.get_delivery_of(db, *keys) if keys else None
