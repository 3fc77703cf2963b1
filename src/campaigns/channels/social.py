"""Social posts: one delivery per platform, published through a connector.

The built-in connector POSTs each post, signed like the webhook channel, to a scheduling
service's webhook (Buffer/Zapier style); the file connector writes them to the outbox.
Configure per campaign (`config.<platform>.connector` = webhook|file, `.url`) or with
CRM_SOCIAL_WEBHOOK_URL; without a URL the file connector is used, but a webhook connector asked
for by name without a URL (or an unknown connector) is an error, not a silent file.

A post longer than the platform allows (a hand-edited asset) or an empty one fails with the
reason. A post is one delivery per platform, so a resume never posts one that was sent; one
interrupted mid-send is posted again with the same idempotency key.
"""

from __future__ import annotations

import re

from campaigns.channels.outbox import OutboxWriter
from campaigns.channels.protocol import Context, Outgoing, Rendered, Result
from campaigns.channels.webhook import SignedPoster, dumps, webhook_secret
from kernel.errors import ValidationFailed
from llm_tools.social_post import LIMITS, X_LINK_LENGTH

CONNECTORS = ("webhook", "file")
# X counts every link as this many characters, whatever its length.
_URL = re.compile(r"https?://\S+")


def post_length(platform: str, text: str) -> int:
    """The length the platform counts for `text`."""
    if platform == "x":
        return len(_URL.sub("u" * X_LINK_LENGTH, text))
    return len(text)


class SocialChannel:
    def __init__(self, platform: str, connector: SignedPoster | OutboxWriter) -> None:
        self.name = platform
        self.connector = connector
        self.idempotent = connector.idempotent

    def render(self, item: Outgoing) -> Rendered:
        content = item.content
        text = str(content.get("full_text") or content.get("text") or "").strip()
        if not text:
            raise ValidationFailed(f"the {self.name} post is empty")
        # Generated posts are checked against the limit; hand-edited ones are checked here.
        length, limit = post_length(self.name, text), LIMITS[self.name]
        if length > limit:
            raise ValidationFailed(
                f"the {self.name} post is {length} characters; {self.name} allows {limit}"
            )
        payload = {
            "idempotency_key": item.delivery,
            "platform": self.name,
            "text": text,
            "link": content.get("link"),
            "hashtags": content.get("hashtags", []),
            "campaign": {"id": item.campaign.id, "name": item.campaign.name},
        }
        filename = f"{item.delivery}.{self.name}.json"
        return Rendered(item.delivery, self.name, filename, dumps(payload))

    async def send(self, message: Rendered) -> Result:
        return await self.connector.send(message)

    async def aclose(self) -> None:
        await self.connector.aclose()


def build_social(platform: str, ctx: Context, *, dry_run: bool) -> SocialChannel:
    campaign = ctx.campaign
    url = campaign.option(platform, "url", ctx.settings.social_webhook_url)
    connector = campaign.option(platform, "connector", "webhook" if url else "file")
    if dry_run:
        return SocialChannel(platform, OutboxWriter(ctx.outbox))
    if connector not in CONNECTORS:
        raise ValidationFailed(
            f"unknown {platform} connector {connector!r}; use one of {', '.join(CONNECTORS)}"
        )
    if connector == "webhook" and not url:
        raise ValidationFailed(
            f"the {platform} webhook connector needs a URL: config {platform}.url or "
            "CRM_SOCIAL_WEBHOOK_URL"
        )
    if connector == "file":
        return SocialChannel(platform, OutboxWriter(ctx.outbox))
    if ctx.http is None:
        raise ValueError("the social webhook connector needs an HTTP client")
    return SocialChannel(platform, SignedPoster(url, webhook_secret(ctx), ctx.http))
