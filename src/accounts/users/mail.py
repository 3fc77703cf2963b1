"""Emails to people who sign in (invitations, password resets): through the configured SMTP
server, else written to the outbox's `accounts` folder, as campaign emails are."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid

from campaigns.channels.outbox import OutboxWriter
from campaigns.channels.protocol import Outcome, Rendered
from campaigns.channels.smtp import SmtpSender
from kernel.errors import ValidationFailed
from kernel.settings import Settings


async def send(settings: Settings, to: str, subject: str, text: str) -> str:
    """Sends a plain-text email; returns "smtp" or the outbox file it was written to."""
    message = EmailMessage()
    message["From"] = formataddr((settings.sender_name, settings.from_email))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.from_email.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    name = f"account-{uuid.uuid4().hex}"
    rendered = Rendered(
        delivery=name,
        channel="email",
        filename=f"{name}.eml",
        body=message.as_bytes(policy=SMTP),
        recipient=to,
        sender=settings.from_email,
    )
    outbox = settings.outbox_path / "accounts"
    transport = (
        SmtpSender.from_url(settings.smtp_url, timeout=settings.smtp_timeout)
        if settings.smtp_url
        else OutboxWriter(outbox)
    )
    try:
        result = await transport.send(rendered)
    finally:
        await transport.aclose()
    if result.outcome is not Outcome.SENT:
        raise ValidationFailed(f"the email to {to} was not sent: {result.detail}")
    return "smtp" if settings.smtp_url else str(outbox / rendered.filename)
