"""Open pixel, click redirect (only to the sealed URL), one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import httpx
import pytest

from campaigns import service as campaigns
from campaigns.models import Brief, CampaignCreate
from campaigns.tracking import Tokens, click_payload, open_payload, unsubscribe_payload
from crm.contacts import service as contacts
from crm.db import Database, plain, record
from factories import make_contact

SECRET = "s3cret-for-tests"  # the api_settings fixture's CRM_SECRET_KEY


@pytest.fixture
def tokens() -> Tokens:
    return Tokens(SECRET)


async def delivery_for(db: Database, contact_id: str) -> tuple[str, str]:
    campaign = await campaigns.create(
        db,
        CampaignCreate(
            name="Spring", brief=Brief(goal="Say hello"), segment="all", channels=["email"]
        ),
    )
    rows = await db.one(
        "CREATE delivery CONTENT {campaign: $c, contact: $p, channel: 'email', state: 'sent'}",
        {"c": record("campaign", campaign.id), "p": record("contact", contact_id)},
    )
    return campaign.id, str(plain(rows[0]["id"]))


async def engagement(db: Database, contact_id: str) -> dict[str, object]:
    rows = await db.one(
        # A contact without events stores no counts (migration 0019): they read as 0.
        "SELECT engagement_score ?? 0.0 AS engagement_score, opens ?? 0 AS opens,"
        " clicks ?? 0 AS clicks FROM $id",
        {"id": record("contact", contact_id)},
    )
    return dict(rows[0])


class TestOpen:
    async def test_records_the_open_and_scores_it(
        self, client: httpx.AsyncClient, db: Database, tokens: Tokens
    ) -> None:
        contact = await make_contact(db)
        campaign, delivery = await delivery_for(db, contact.id)
        token = tokens.make("open", open_payload(delivery, campaign, contact.id))

        response = await client.get(f"/t/o/{token}")

        assert response.status_code == 200
        assert response.headers["content-type"] == "image/gif"
        assert response.content.startswith(b"GIF89a")
        assert "no-store" in response.headers["cache-control"]
        scored = await engagement(db, contact.id)
        assert scored["opens"] == 1 and scored["engagement_score"] == pytest.approx(1.0)

    async def test_a_tampered_token_is_400_and_records_nothing(
        self, client: httpx.AsyncClient, db: Database, tokens: Tokens
    ) -> None:
        contact = await make_contact(db)
        campaign, delivery = await delivery_for(db, contact.id)
        token = tokens.make("open", open_payload(delivery, campaign, contact.id))

        response = await client.get(f"/t/o/{token[:-2]}xx")

        assert response.status_code == 400
        assert (await engagement(db, contact.id))["opens"] == 0


class TestClick:
    async def test_redirects_to_the_sealed_url_only(
        self, client: httpx.AsyncClient, db: Database, tokens: Tokens
    ) -> None:
        contact = await make_contact(db)
        campaign, delivery = await delivery_for(db, contact.id)
        token = tokens.make(
            "click", click_payload(delivery, campaign, contact.id, "https://example.com/offer")
        )

        response = await client.get(f"/t/c/{token}?url=https://evil.example")

        assert response.status_code == 302
        assert response.headers["location"] == "https://example.com/offer"
        assert (await engagement(db, contact.id))["clicks"] == 1

    async def test_an_open_token_is_not_a_click_token(
        self, client: httpx.AsyncClient, db: Database, tokens: Tokens
    ) -> None:
        token = tokens.make("open", {"d": "x", "c": "y", "p": None, "u": "https://evil.example"})

        response = await client.get(f"/t/c/{token}")

        assert response.status_code == 400
        assert "location" not in response.headers

    async def test_a_forged_token_never_redirects(self, client: httpx.AsyncClient) -> None:
        forged = Tokens("another-secret").make(
            "click", click_payload("d", "c", None, "https://evil.example")
        )

        response = await client.get(f"/t/c/{forged}")

        assert response.status_code == 400
        assert "location" not in response.headers

    async def test_a_signed_non_http_url_is_refused(
        self, client: httpx.AsyncClient, tokens: Tokens
    ) -> None:
        token = tokens.make("click", click_payload("d", "c", None, "javascript:alert(1)"))

        response = await client.get(f"/t/c/{token}")

        assert response.status_code == 400


class TestUnsubscribe:
    async def test_get_only_asks(
        self, client: httpx.AsyncClient, db: Database, tokens: Tokens
    ) -> None:
        contact = await make_contact(db)
        token = tokens.make("unsubscribe", unsubscribe_payload("c1", contact.id))

        response = await client.get(f"/unsubscribe/{token}")

        assert response.status_code == 200
        assert f'action="/unsubscribe/{token}"' in response.text
        assert (await contacts.require(db, contact.id)).status == "new"

    @pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
    async def test_one_click_post_unsubscribes_at_once(
        self, client: httpx.AsyncClient, db: Database, tokens: Tokens, encoding: str
    ) -> None:
        contact = await make_contact(db)
        token = tokens.make("unsubscribe", unsubscribe_payload("c1", contact.id))
        body = {"List-Unsubscribe": "One-Click"}

        if encoding == "urlencoded":
            response = await client.post(f"/unsubscribe/{token}", data=body)
        else:
            response = await client.post(f"/unsubscribe/{token}", data=body, files={"x": ("", b"")})

        assert response.status_code == 200
        assert "location" not in response.headers
        assert (await contacts.require(db, contact.id)).status == "unsubscribed"
        again = await client.post(f"/unsubscribe/{token}", data=body)
        assert again.status_code == 200
        _, events = await contacts.history(db, contact.id)
        assert [e.kind for e in events].count("unsubscribed") == 1

    async def test_a_tampered_token_is_400(
        self, client: httpx.AsyncClient, db: Database, tokens: Tokens
    ) -> None:
        contact = await make_contact(db)
        token = tokens.make("unsubscribe", unsubscribe_payload("c1", contact.id))

        response = await client.post(f"/unsubscribe/{token}x")

        assert response.status_code == 400
        assert (await contacts.require(db, contact.id)).status == "new"
