"""Social posts: one delivery per platform, published through a connector.

The built-in connector POSTs each post, signed like the webhook channel, to a scheduling
service's webhook (Buffer/Zapier style); the file connector writes them to the outbox.
Configure per campaign (`config.<platform>.connector` = webhook|file, `.url`) or with
CRM_SOCIAL_WEBHOOK_URL; without a URL the file connector is used.
"""

from __future__ import annotations

from campaigns.channels import Context, Outgoing, Rendered, Result
from campaigns.channels.outbox import OutboxWriter
from campaigns.channels.webhook import SignedPoster, dumps, webhook_secret


class SocialChannel:
    def __init__(self, platform: str, connector: SignedPoster | OutboxWriter) -> None:
        self.name = platform
        self.connector = connector
        self.idempotent = connector.idempotent

    def render(self, item: Outgoing) -> Rendered:
        content = item.content
        payload = {
            "idempotency_key": item.delivery,
            "platform": self.name,
            "text": content.get("full_text") or content.get("text", ""),
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
    if dry_run or connector == "file" or not url:
        return SocialChannel(platform, OutboxWriter(ctx.outbox))
    if ctx.http is None:
        raise ValueError("the social webhook connector needs an HTTP client")
    return SocialChannel(platform, SignedPoster(url, webhook_secret(ctx), ctx.http))
