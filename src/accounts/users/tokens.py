"""Signed, expiring set-password tokens (itsdangerous). A token names the user, its purpose,
the workspace it was sent from (for the audit log), its expiry and a random nonce; only the
nonce's digest is stored on the user, so a token works once and a newer one replaces it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from itsdangerous import BadData, URLSafeSerializer

from kernel.errors import ValidationFailed

Purpose = Literal["invitation", "reset"]
_SALT = "crm.password-link"
MAX_LENGTH = 1000


@dataclass(frozen=True)
class Link:
    user: str
    purpose: Purpose
    workspace: str
    nonce: str
    expires_at: datetime


def make(
    secret: str, user: str, purpose: Purpose, workspace: str, *, hours: float, now: datetime
) -> tuple[str, Link]:
    """The token for the URL, and what it says."""
    link = Link(user, purpose, workspace, secrets.token_urlsafe(16), now + timedelta(hours=hours))
    payload = {
        "u": user,
        "p": purpose,
        "w": workspace,
        "n": link.nonce,
        "e": int(link.expires_at.timestamp()),
    }
    return URLSafeSerializer(secret, salt=_SALT).dumps(payload), link


def read(secret: str, token: str, now: datetime) -> Link:
    """What a token says; refused when tampered with or expired."""
    try:
        if len(token) > MAX_LENGTH:
            raise BadData("too long")
        data = URLSafeSerializer(secret, salt=_SALT).loads(token)
        link = Link(
            str(data["u"]),
            "reset" if data["p"] == "reset" else "invitation",
            str(data["w"]),
            str(data["n"]),
            datetime.fromtimestamp(int(data["e"]), UTC),
        )
    except (BadData, KeyError, TypeError, ValueError):
        raise ValidationFailed("this link is not valid: ask for a new one") from None
    if link.expires_at <= now:
        raise ValidationFailed(
            f"this link expired at {link.expires_at:%Y-%m-%d %H:%M} UTC: ask for a new one"
        )
    return link
