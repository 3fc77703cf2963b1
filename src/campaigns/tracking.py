"""Signed tokens in tracking and unsubscribe URLs, and what happens when one is followed.

Tokens are itsdangerous signatures (HMAC-SHA256 over the payload, compared in constant time)
under CRM_SECRET_KEY, with one salt per purpose so an open token can never pass as an
unsubscribe token. A click token seals the destination URL, so the redirect endpoint is not an
open redirector: it only ever sends people where a campaign's own email pointed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from itsdangerous import BadSignature, URLSafeSerializer

from campaigns import repository
from crm import timeline
from crm.db import Database
from crm.errors import ValidationFailed

log = structlog.get_logger(__name__)

Kind = Literal["open", "click", "unsubscribe"]
PATHS: dict[Kind, str] = {"open": "/t/o/", "click": "/t/c/", "unsubscribe": "/unsubscribe/"}


@dataclass(frozen=True)
class Tokens:
    """Makes and checks tokens; build one per process from the settings' signing key."""

    secret: str
    # Building a serializer derives its keys, which costs more than signing: one per purpose.
    _serializers: dict[str, URLSafeSerializer] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _serializer(self, kind: Kind) -> URLSafeSerializer:
        if kind not in self._serializers:
            self._serializers[kind] = URLSafeSerializer(self.secret, salt=f"crm.campaigns.{kind}")
        return self._serializers[kind]

    def make(self, kind: Kind, payload: dict[str, Any]) -> str:
        return str(self._serializer(kind).dumps(payload))

    def verify(self, kind: Kind, token: str) -> dict[str, Any]:
        """The payload of a valid token; ValidationFailed for anything else."""
        try:
            payload = self._serializer(kind).loads(token)
        except BadSignature:
            raise ValidationFailed("invalid or tampered link") from None
        if not isinstance(payload, dict):
            raise ValidationFailed("invalid or tampered link")
        return payload

    def url(self, base_url: str, kind: Kind, payload: dict[str, Any]) -> str:
        return base_url.rstrip("/") + PATHS[kind] + self.make(kind, payload)


def open_payload(delivery: str, campaign: str, contact: str | None) -> dict[str, Any]:
    return {"d": delivery, "c": campaign, "p": contact}


def click_payload(delivery: str, campaign: str, contact: str | None, url: str) -> dict[str, Any]:
    return {"d": delivery, "c": campaign, "p": contact, "u": url}


def unsubscribe_payload(campaign: str, contact: str) -> dict[str, Any]:
    return {"c": campaign, "p": contact}


async def record_open(db: Database, tokens: Tokens, token: str) -> None:
    """`GET /t/o/{token}`: the first open of a delivery is recorded (later ones are not news)."""
    payload = tokens.verify("open", token)
    if await repository.mark_opened(db, payload["d"]) and payload.get("p"):
        await timeline.add(
            db, [timeline.event(payload["p"], "email_opened", campaign=payload["c"])]
        )
    log.info("campaigns.opened", campaign=payload["c"], delivery=payload["d"])


async def record_click(db: Database, tokens: Tokens, token: str) -> str:
    """`GET /t/c/{token}`: count the click and return the sealed URL to redirect to."""
    payload = tokens.verify("click", token)
    first_open = await repository.add_click(db, payload["d"])
    if payload.get("p"):
        contact, campaign = payload["p"], payload["c"]
        events = [timeline.event(contact, "email_clicked", campaign=campaign, url=payload["u"])]
        if first_open:
            events.insert(0, timeline.event(contact, "email_opened", campaign=campaign))
        await timeline.add(db, events)
    log.info("campaigns.clicked", campaign=payload["c"], delivery=payload["d"])
    return str(payload["u"])
