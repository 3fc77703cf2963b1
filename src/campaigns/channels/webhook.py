"""The webhook channel: one signed JSON POST per delivery.

Receivers verify `X-CRM-Signature: sha256=<hex>`, an HMAC-SHA256 under the shared secret over
`<X-CRM-Timestamp>.<raw body>` (the timestamp lets them refuse replays), and deduplicate on
`Idempotency-Key`, which is the delivery id: a POST repeated after a crash is harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from campaigns.channels.outbox import OutboxWriter
from campaigns.channels.protocol import Context, Outcome, Outgoing, Rendered, Result
from kernel.errors import ValidationFailed

SIGNATURE_HEADER = "X-CRM-Signature"
TIMESTAMP_HEADER = "X-CRM-Timestamp"
# Worth another try: the receiver is busy or briefly broken.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """What a receiver does (and the tests do): constant-time check of the signature."""
    expected = signature(secret, headers.get(TIMESTAMP_HEADER, ""), body)
    return hmac.compare_digest(expected, headers.get(SIGNATURE_HEADER, ""))


class SignedPoster:
    """POST rendered JSON with signature and idempotency key; classify the response."""

    idempotent = True

    def __init__(self, url: str, secret: str, client: httpx.AsyncClient) -> None:
        self.url, self.secret, self.client = url, secret, client

    async def send(self, message: Rendered) -> Result:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.delivery,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, message.body),
        }
        try:
            response = await self.client.post(self.url, content=message.body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return Result(Outcome.RETRY, f"cannot reach {_host(self.url)}: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            # The request may have arrived; the idempotency key makes a repeat safe.
            return Result(Outcome.UNKNOWN, f"{_host(self.url)}: {type(exc).__name__}")
        if response.is_success:
            return Result(Outcome.SENT)
        outcome = Outcome.RETRY if response.status_code in RETRY_STATUSES else Outcome.FAILED
        return Result(outcome, f"HTTP {response.status_code} from {_host(self.url)}")

    async def aclose(self) -> None:
        return None


def _host(url: str) -> str:
    return httpx.URL(url).host


def dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class WebhookChannel:
    name = "webhook"

    def __init__(self, transport: SignedPoster | OutboxWriter) -> None:
        self.transport = transport
        self.idempotent = transport.idempotent

    def render(self, item: Outgoing) -> Rendered:
        contact = item.contact
        payload = {
            "delivery": item.delivery,
            "campaign": {"id": item.campaign.id, "name": item.campaign.name},
            "contact": None
            if contact is None
            else contact.model_dump(
                mode="json", include={"id", "email", "first_name", "last_name", "company_name"}
            ),
            "content": item.content,
        }
        return Rendered(item.delivery, self.name, f"{item.delivery}.json", dumps(payload))

    async def send(self, message: Rendered) -> Result:
        return await self.transport.send(message)

    async def aclose(self) -> None:
        await self.transport.aclose()


def build_webhook(ctx: Context, *, dry_run: bool) -> WebhookChannel:
    if dry_run:
        return WebhookChannel(OutboxWriter(ctx.outbox))
    url = ctx.campaign.option("webhook", "url", ctx.settings.webhook_url)
    if not url:
        raise ValidationFailed("the webhook channel needs a URL: --webhook-url or CRM_WEBHOOK_URL")
    if ctx.http is None:
        raise ValueError("the webhook channel needs an HTTP client")
    return WebhookChannel(SignedPoster(url, webhook_secret(ctx), ctx.http))


def webhook_secret(ctx: Context) -> str:
    return ctx.campaign.option("webhook", "secret") or ctx.settings.signing_key()
