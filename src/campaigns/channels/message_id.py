"""The Message-ID of a campaign email, `<{delivery}.{campaign}@{domain}>`: unique per delivery,
the same if the message is rendered again, and read back to find the delivery a bounce or
complaint is about (so the delivery record does not have to store it)."""

from __future__ import annotations


def make(delivery: str, campaign: str, domain: str) -> str:
    return f"<{delivery}.{campaign}@{domain}>"


def parse(message_id: str) -> tuple[str, str] | None:
    """(delivery key, campaign key) of one of our Message-IDs; None for any other."""
    local, at, _ = message_id.strip().removeprefix("<").partition("@")
    delivery, dot, campaign = local.partition(".")
    if not (at and dot and delivery and campaign) or "." in campaign:
        return None
    return delivery, campaign
