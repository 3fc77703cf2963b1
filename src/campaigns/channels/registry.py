"""Which channel serves a channel name."""

from __future__ import annotations

from campaigns.channels.email import build_email
from campaigns.channels.protocol import Channel, Context
from campaigns.channels.social import build_social
from campaigns.channels.webhook import build_webhook
from campaigns.models import EMAIL, WEBHOOK, is_social
from kernel.settings import Settings


def build(name: str, ctx: Context, *, dry_run: bool = False) -> Channel:
    """The channel for `name` (email, webhook or a social platform); `dry_run` swaps every
    transport for the outbox so messages are rendered and written, never sent."""
    if name == EMAIL:
        return build_email(ctx, dry_run=dry_run)
    if name == WEBHOOK:
        return build_webhook(ctx, dry_run=dry_run)
    if is_social(name):
        return build_social(name, ctx, dry_run=dry_run)
    raise ValueError(f"unknown channel {name!r}")


def is_idempotent(name: str, settings: Settings) -> bool:
    """Whether `build(name, …)` makes an idempotent channel: everything except SMTP email."""
    return not (name == EMAIL and settings.smtp_url)
