"""Hosted pages and their form: served from the cache, submissions upsert the contact with
consent and attribution; bots, forgeries and floods are turned away without a stack trace."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from api.deps import AppState
from api.limits import RateLimiter
from crm.contacts import service as contacts
from crm.db import Database
from factories import make_contact, make_page, page_spec
from landing_pages.forms import consent_version

FORM_TOKEN = re.compile(r'name="_form" value="([^"]+)"')
BOX = {
    "name": "email_consent",
    "label": "Yes, send me the spring newsletter.",
    "type": "checkbox",
    "required": False,
}
FIELDS_WITH_BOX = [*page_spec().model_dump()["form_fields"], BOX]


async def open_form(client: httpx.AsyncClient, url: str = "/lp/demo") -> str:
    page = await client.get(url)
    assert page.status_code == 200
    match = FORM_TOKEN.search(page.text)
    assert match
    return match[1]


async def send(
    client: httpx.AsyncClient,
    clock: object,
    fields: dict[str, str],
    *,
    wait: float = 5.0,
    slug: str = "demo",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    token = await open_form(client, f"/lp/{slug}")
    clock.advance(wait)  # type: ignore[attr-defined]
    return await client.post(
        f"/lp/{slug}/submit", data={"_form": token, **fields}, headers=headers or {}
    )


class TestServing:
    async def test_published_page_with_security_headers(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await make_page(db)

        response = await client.get("/lp/demo?utm_source=news&utm_campaign=spring")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "form-action 'self'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert 'name="utm_source" value="news"' in response.text
        assert "Ship campaigns in an afternoon" in response.text

    async def test_draft_and_unknown_pages_are_404_html(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await make_page(db, slug="draft", publish=False)

        for url in ("/lp/draft", "/lp/nothing", "/lp/NOT%20A%20SLUG"):
            response = await client.get(url)
            assert response.status_code == 404
            assert "Page not found" in response.text

    async def test_unpublishing_through_the_api_takes_effect_at_once(
        self, client: httpx.AsyncClient, db: Database, auth: dict[str, str]
    ) -> None:
        await make_page(db)
        assert (await client.get("/lp/demo")).status_code == 200

        await client.post("/api/v1/landing-pages/demo/unpublish", headers=auth)

        assert (await client.get("/lp/demo")).status_code == 404


class TestSubmit:
    async def test_creates_the_contact_with_consent_and_attribution(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db, campaign="spring")

        response = await send(
            client,
            clock,
            {
                "email": "Lead@Example.com",
                "first_name": "Lee",
                "company": "Initech",
                "utm_source": "newsletter",
            },
        )

        assert response.status_code == 303
        assert response.headers["location"] == "/lp/demo/thanks"
        contact = await contacts.require(db, "lead@example.com")
        assert (contact.first_name, contact.company_name) == ("Lee", "Initech")
        # The page has no consent box: a visitor's form is no consent to email.
        assert contact.source == "form"
        assert (contact.consent_explicit, contact.consent) == (False, None)
        assert contact.status == "engaged"
        _, events = await contacts.history(db, contact.id)
        submitted = next(e for e in events if e.kind == "form_submitted")
        assert submitted.data["campaign"] == "spring"
        assert submitted.data["utm"] == {"source": "newsletter"}
        score = await db.one("SELECT VALUE engagement_score FROM $id", {"id": _rid(contact.id)})
        assert score == [pytest.approx(10.0, rel=1e-3)]
        assert (await client.get("/lp/demo/thanks")).status_code == 200

    async def test_never_overwrites_what_the_contact_already_has(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db)
        await make_contact(db, email="ada@example.com", first_name="Ada")

        await send(
            client, clock, {"email": "ada@example.com", "first_name": "Junk", "company": "Acme"}
        )

        contact = await contacts.require(db, "ada@example.com")
        assert contact.first_name == "Ada"
        assert contact.company_name == "Acme"

    async def test_a_ticked_consent_box_opts_an_unsubscribed_contact_back_in(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db, form_fields=FIELDS_WITH_BOX)
        await make_contact(db, email="ada@example.com", status="unsubscribed")

        await send(client, clock, {"email": "ada@example.com"})
        assert (await contacts.require(db, "ada@example.com")).status == "unsubscribed"
        await send(client, clock, {"email": "ada@example.com", "email_consent": "on"})

        assert (await contacts.require(db, "ada@example.com")).status == "engaged"

    @pytest.mark.parametrize(
        ("fields", "wait"),
        [
            ({"email": "bot@example.com", "website": "http://spam.example"}, 5.0),
            ({"email": "bot@example.com"}, 0.5),
        ],
        ids=["honeypot", "too-fast"],
    )
    async def test_bots_get_a_success_and_store_nothing(
        self,
        client: httpx.AsyncClient,
        db: Database,
        clock: object,
        fields: dict[str, str],
        wait: float,
    ) -> None:
        await make_page(db)

        response = await send(client, clock, fields, wait=wait)

        assert response.status_code == 303
        assert await contacts.get(db, "bot@example.com") is None

    async def test_a_tampered_token_gets_the_page_back(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db)
        token = await open_form(client)
        clock.advance(5)  # type: ignore[attr-defined]
        issued, _, signature = token.partition(".")

        response = await client.post(
            "/lp/demo/submit",
            data={"_form": f"{int(issued) - 100}.{signature}", "email": "x@example.com"},
        )

        assert response.status_code == 400
        assert "could not accept this form" in response.text
        assert 'value="x@example.com"' in response.text
        assert await contacts.get(db, "x@example.com") is None

    async def test_an_old_form_has_expired(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db)

        response = await send(client, clock, {"email": "x@example.com"}, wait=2 * 86400)

        assert response.status_code == 400
        assert "open too long" in response.text

    async def test_field_errors_come_back_on_the_page(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db)

        response = await send(
            client, clock, {"email": "not-an-email", "first_name": "<script>x</script>"}
        )

        assert response.status_code == 422
        assert "Please enter a valid email address." in response.text
        assert 'aria-invalid="true"' in response.text
        assert "<script>x" not in response.text
        assert FORM_TOKEN.search(response.text)  # a fresh token to send it again

    async def test_missing_required_field(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db)

        response = await send(client, clock, {"first_name": "Ann"})

        assert response.status_code == 422
        assert "This field is required." in response.text

    async def test_json_or_garbage_bodies_get_the_page_back(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await make_page(db)

        response = await client.post("/lp/demo/submit", json={"email": "x@example.com"})

        assert response.status_code == 400

    async def test_a_cross_site_post_is_403(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db)

        response = await send(
            client, clock, {"email": "x@example.com"}, headers={"origin": "https://evil.example"}
        )

        assert response.status_code == 403
        assert await contacts.get(db, "x@example.com") is None

    async def test_per_ip_rate_limit_is_429(
        self, client: httpx.AsyncClient, db: Database, state: AppState
    ) -> None:
        await make_page(db)
        state.form_limiter = RateLimiter(2, clock=lambda: 0.0)

        codes = [(await client.post("/lp/demo/submit", data={})).status_code for _ in range(3)]

        assert codes[-1] == 429
        assert codes[:2] != [429, 429]

    async def test_unpublished_page_is_404(self, client: httpx.AsyncClient, db: Database) -> None:
        await make_page(db, publish=False)

        response = await client.post("/lp/demo/submit", data={"email": "x@example.com"})

        assert response.status_code == 404


def _rid(key: str) -> object:
    from crm.db import record

    return record("contact", key)


class TestConsent:
    async def test_the_box_is_unticked_when_the_page_opens(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await make_page(db, form_fields=FIELDS_WITH_BOX)

        page = (await client.get("/lp/demo")).text

        box = re.search(r'<input type="checkbox"[^>]*name="email_consent"[^>]*>', page)
        assert box and "checked" not in box[0]

    async def test_a_ticked_box_is_recorded_with_its_text_page_time_and_address(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db, form_fields=FIELDS_WITH_BOX)
        before = datetime.now(UTC)

        response = await send(client, clock, {"email": "yes@example.com", "email_consent": "on"})

        assert response.status_code == 303
        contact = await contacts.require(db, "yes@example.com")
        assert contact.consent_explicit and contact.consent is not None
        record = contact.consent
        assert (record.text, record.page, record.ip) == (BOX["label"], "demo", "203.0.113.7")
        assert record.version == consent_version(BOX["label"])
        assert before <= record.at <= datetime.now(UTC)
        assert contact.consent_at == record.at

    async def test_an_unticked_box_records_no_consent(
        self, client: httpx.AsyncClient, db: Database, clock: object
    ) -> None:
        await make_page(db, form_fields=FIELDS_WITH_BOX)

        response = await send(client, clock, {"email": "no@example.com"})

        assert response.status_code == 303
        contact = await contacts.require(db, "no@example.com")
        assert (contact.consent_explicit, contact.consent) == (False, None)

    async def test_consent_cannot_be_claimed_through_the_api_without_a_record(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.post(
            "/api/v1/contacts",
            json={"email": "claimed@example.com", "consent_explicit": True},
            headers=auth,
        )

        assert response.status_code == 422
