"""Signed tokens in tracking and unsubscribe URLs, and what happens when one is followed.

A token is `<payload>~<signature>`: the payload's values as a compact JSON array (base64url),
and an HMAC-SHA256 over it (truncated to 128 bits, compared in constant time) under a key
derived from CRM_SECRET_KEY per purpose, so an open token can never pass as an unsubscribe
token. Every email carries three or more, so they are made without compression or key
derivation per call. A click token seals the destination URL, so the redirect endpoint is not
an open redirector: it only ever sends people where a campaign's own email pointed.

Tokens without a `~` are the earlier itsdangerous format (`URLSafeSerializer`, same secret,
salt `crm.campaigns.<purpose>`); emails already sent carry them, so they are still accepted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeSerializer

from campaigns import delivery_repository
from crm.db import Database
from crm.events import service as timeline
from kernel.errors import ValidationFailed
from kernel.logs import get_logger

log = get_logger(__name__)

Kind = Literal["open", "click", "unsubscribe"]
PATHS: dict[Kind, str] = {"open": "/t/o/", "click": "/t/c/", "unsubscribe": "/unsubscribe/"}
# The payload fields per purpose, in the order they are signed.
FIELDS: dict[Kind, tuple[str, ...]] = {
    "open": ("d", "c", "p"),
    "click": ("d", "c", "p", "u"),
    "unsubscribe": ("c", "p"),
}
SIGNATURE_BYTES = 16


@dataclass(frozen=True)
class Tokens:
    """Makes and checks tokens; build one per process from the settings' signing key."""

    secret: str
    # One keyed HMAC per purpose, copied per token: cheaper than keying one each time.
    _macs: dict[str, hmac.HMAC] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _sign(self, kind: Kind, body: str) -> str:
        if kind not in self._macs:
            purpose = f"crm.campaigns.{kind}".encode()
            key = hmac.new(self.secret.encode(), purpose, hashlib.sha256).digest()
            self._macs[kind] = hmac.new(key, digestmod=hashlib.sha256)
        mac = self._macs[kind].copy()
        mac.update(body.encode())
        return _b64(mac.digest()[:SIGNATURE_BYTES])

    def make(self, kind: Kind, payload: dict[str, Any]) -> str:
        values = [payload.get(name) for name in FIELDS[kind]]
        body = _b64(json.dumps(values, separators=(",", ":")).encode())
        return f"{body}~{self._sign(kind, body)}"

    def verify(self, kind: Kind, token: str) -> dict[str, Any]:
        """The payload of a valid token; ValidationFailed for anything else."""
        if "~" not in token:
            return self._verify_legacy(kind, token)
        body, _, signature = token.partition("~")
        # As bytes: compare_digest refuses a str with non-ASCII characters, and URLs may have them.
        if not hmac.compare_digest(self._sign(kind, body).encode(), signature.encode()):
            raise ValidationFailed("invalid or tampered link")
        try:
            values = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (binascii.Error, ValueError):
            values = None
        if not isinstance(values, list) or len(values) != len(FIELDS[kind]):
            raise ValidationFailed("invalid or tampered link")
        return dict(zip(FIELDS[kind], values, strict=True))

    def _verify_legacy(self, kind: Kind, token: str) -> dict[str, Any]:
        try:
            payload = URLSafeSerializer(self.secret, salt=f"crm.campaigns.{kind}").loads(token)
        except BadSignature:
            raise ValidationFailed("invalid or tampered link") from None
        if not isinstance(payload, dict):
            raise ValidationFailed("invalid or tampered link")
        return payload

    def url(self, base_url: str, kind: Kind, payload: dict[str, Any]) -> str:
        return base_url.rstrip("/") + PATHS[kind] + self.make(kind, payload)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def open_payload(delivery: str, campaign: str, contact: str | None) -> dict[str, Any]:
    return {"d": delivery, "c": campaign, "p": contact}


def click_payload(delivery: str, campaign: str, contact: str | None, url: str) -> dict[str, Any]:
    return {"d": delivery, "c": campaign, "p": contact, "u": url}


def unsubscribe_payload(campaign: str, contact: str) -> dict[str, Any]:
    return {"c": campaign, "p": contact}


async def record_open(db: Database, tokens: Tokens, token: str) -> None:
    """`GET /t/o/{token}`: the first open of a delivery is recorded (later ones are not news)."""
    payload = tokens.verify("open", token)
    if await delivery_repository.mark_opened(db, payload["d"]) and payload.get("p"):
        await timeline.add(
            db, [timeline.event(payload["p"], "email_opened", campaign=payload["c"])]
        )
    log.info("campaigns.opened", campaign=payload["c"], delivery=payload["d"])


async def record_click(db: Database, tokens: Tokens, token: str) -> str:
    """`GET /t/c/{token}`: count the click and return the sealed URL to redirect to."""
    payload = tokens.verify("click", token)
    first_open = await delivery_repository.add_click(db, payload["d"])
    if payload.get("p"):
        contact, campaign = payload["p"], payload["c"]
        events = [timeline.event(contact, "email_clicked", campaign=campaign, url=payload["u"])]
        if first_open:
            events.insert(0, timeline.event(contact, "email_opened", campaign=campaign))
        await timeline.add(db, events)
    log.info("campaigns.clicked", campaign=payload["c"], delivery=payload["d"])
    return str(payload["u"])
