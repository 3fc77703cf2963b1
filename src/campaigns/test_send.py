"""A test send: the email one contact would get, sent to someone else and marked as a test.

Rendered by the email channel exactly as the run would (merge fields, tracked links, footer) and
sent through the configured transport (SMTP, else the outbox); no delivery is written and no
campaign state or count changes.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from campaigns import repository, service, variants
from campaigns.channels.email import TEST_PREFIX, build_email
from campaigns.channels.protocol import Context, Outcome, Outgoing
from campaigns.merge_fields import fill
from campaigns.models import EMAIL, SEGMENT_VARIANT
from campaigns.tracking import Tokens
from crm.contacts import service as contacts
from crm.db import Database
from crm.segments import service as segments
from kernel.errors import ValidationFailed
from kernel.settings import Settings


class TestSend(BaseModel):
    to: str
    contact: str
    subject: str
    # Where it went: "smtp", or the outbox file it was written to.
    sent_via: str


async def test_send(
    db: Database, key: str, settings: Settings, *, to: str, contact: str | None = None
) -> TestSend:
    """Send campaign `key`'s email as `contact` (default: the segment's first member) gets it."""
    campaign = await service.require(db, key)
    if "@" not in to:
        raise ValidationFailed(f"--to needs an email address, not {to!r}")
    if EMAIL not in campaign.channels:
        raise ValidationFailed(f"campaign {campaign.id} sends no email")
    found = await repository.latest_assets(db, campaign.id, EMAIL, [SEGMENT_VARIANT])
    if SEGMENT_VARIANT not in found:
        raise ValidationFailed(f"no email yet: run `crm campaigns generate {campaign.id}`")
    if contact is not None:
        member = await contacts.require(db, contact)
    else:
        first, _ = await segments.preview(db, campaign.segment, limit=1)
        if not first:
            raise ValidationFailed(f"segment {campaign.segment!r} has no members: pass --contact")
        member = first[0]
    personal = await variants.personal_assets(db, campaign, EMAIL, {member.id: member})
    content = personal.get(member.id, found[SEGMENT_VARIANT]["content"])
    outbox = settings.outbox_path / "test" / campaign.id
    channel = build_email(
        Context(settings, Tokens(settings.signing_key()), campaign, outbox), dry_run=False
    )
    item = Outgoing(f"test-{uuid.uuid4().hex}", EMAIL, campaign, member, content, test_to=to)
    try:
        message = channel.render(item)
        result = await channel.send(message)
    finally:
        await channel.aclose()
    if result.outcome != Outcome.SENT:
        raise ValidationFailed(f"the test email was not sent: {result.detail}")
    return TestSend(
        to=to,
        contact=member.email,
        subject=TEST_PREFIX + fill(str(content.get("subject", campaign.name)), member),
        sent_via="smtp" if settings.smtp_url else str(outbox / message.filename),
    )
