"""Bad input is a 422 naming the field, never a server error: null in PATCH bodies, lone
surrogates (text that is not valid Unicode) anywhere."""

from __future__ import annotations

import json

import httpx
import pytest

from crm.contacts import service as contacts
from crm.db import Database
from factories import make_company, make_contact


class TestNullInPatch:
    @pytest.mark.parametrize("field", ["email", "status", "tags", "custom"])
    async def test_a_contact_field_that_cannot_be_cleared_refuses_null(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database, field: str
    ) -> None:
        ada = await make_contact(db, tags=["vip"], custom={"plan": "pro"})

        response = await client.patch(
            f"/api/v1/contacts/{ada.id}", json={field: None}, headers=auth
        )

        assert response.status_code == 422
        assert response.json()["error"]["message"].startswith(f"{field}: ")
        assert await contacts.require(db, ada.id) == ada

    async def test_null_clears_an_optional_contact_field(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        ada = await make_contact(db, first_name="Ada", title="CTO", company="Acme")

        response = await client.patch(
            f"/api/v1/contacts/{ada.id}",
            json={"title": None, "company": None, "first_name": "Augusta"},
            headers=auth,
        )

        assert response.status_code == 200
        stored = await contacts.require(db, ada.id)
        assert (stored.first_name, stored.title, stored.company, stored.company_name) == (
            "Augusta",
            None,
            None,
            None,
        )

    @pytest.mark.parametrize("field", ["name", "custom"])
    async def test_a_company_field_that_cannot_be_cleared_refuses_null(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database, field: str
    ) -> None:
        acme = await make_company(db, custom={"tier": "gold"})

        response = await client.patch(
            f"/api/v1/companies/{acme.id}", json={field: None}, headers=auth
        )

        assert response.status_code == 422
        assert response.json()["error"]["message"].startswith(f"{field}: ")
        shown = await client.get(f"/api/v1/companies/{acme.id}", headers=auth)
        assert (shown.json()["name"], shown.json()["custom"]) == ("Acme", {"tier": "gold"})

    async def test_null_clears_an_optional_company_field(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        acme = await make_company(db, domain="acme.com", size=40)

        response = await client.patch(
            f"/api/v1/companies/{acme.id}", json={"domain": None, "size": None}, headers=auth
        )

        assert response.status_code == 200
        assert (response.json()["domain"], response.json()["size"]) == (None, None)

    async def test_the_schema_offers_null_only_where_it_clears(
        self, client: httpx.AsyncClient
    ) -> None:
        schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]

        def nullable(model: str) -> set[str]:
            props = schemas[model]["properties"]
            return {
                name for name, prop in props.items() if {"type": "null"} in prop.get("anyOf", [])
            }

        assert {"email", "status", "tags", "custom"}.isdisjoint(nullable("ContactUpdate"))
        assert {"title", "company", "phone"} <= nullable("ContactUpdate")
        assert {"name", "custom"}.isdisjoint(nullable("CompanyUpdate"))
        assert {"domain", "size"} <= nullable("CompanyUpdate")


LONE = "\ud800"


class TestUnstorableText:
    @pytest.mark.parametrize(
        ("method", "path", "body", "field"),
        [
            (
                "POST",
                "/api/v1/contacts",
                {"email": "a@example.com", "first_name": "A" + LONE},
                "first_name",
            ),
            (
                "POST",
                "/api/v1/contacts",
                {"email": "a@example.com", "custom": {"note": [LONE]}},
                "custom.note[0]",
            ),
            ("POST", "/api/v1/companies", {"name": "Acme", "custom": {LONE: 1}}, "custom"),
            ("POST", "/api/v1/segments", {"name": "s", "rule": f'country = "{LONE}"'}, "rule"),
            (
                "POST",
                "/api/v1/segments/preview",
                {"rule": {"field": "country", "op": "=", "value": LONE}},
                "rule.value",
            ),
        ],
    )
    async def test_in_a_body_is_422_naming_the_field(
        self,
        client: httpx.AsyncClient,
        auth: dict[str, str],
        method: str,
        path: str,
        body: object,
        field: str,
    ) -> None:
        # httpx would refuse to encode a lone surrogate; JSON carries it as an escape.
        content = json.dumps(body).encode()
        response = await client.request(
            method, path, content=content, headers=auth | {"Content-Type": "application/json"}
        )

        assert response.status_code == 422
        error = response.json()["error"]
        assert error["message"].startswith(field)
        assert "surrogate" in error["message"]

    async def test_nul_in_a_query_is_422_naming_the_parameter(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.get("/api/v1/contacts?q=Ada%00", headers=auth)

        assert response.status_code == 422
        assert response.json()["error"]["message"] == "q: must not contain NUL characters"


@pytest.mark.parametrize(
    ("model", "field", "declared", "path", "body"),
    [
        ("LandingPageCreate", "slug", "pattern", "/api/v1/landing-pages", {"slug": "-Bad Slug"}),
        ("GenerateRequest", "slug", "pattern", "/api/v1/landing-pages/generate", {"slug": "a--"}),
        ("CompanyCreate", "name", "pattern", "/api/v1/companies", {"name": "   "}),
        ("SegmentCreate", "name", "pattern", "/api/v1/segments", {"name": " ", "rule": "x"}),
        ("CampaignCreate", "name", "pattern", "/api/v1/campaigns", {"name": " "}),
        ("CampaignCreate", "channels", "minItems", "/api/v1/campaigns", {"channels": []}),
    ],
)
async def test_the_schema_declares_the_rules_the_api_enforces(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    model: str,
    field: str,
    declared: str,
    path: str,
    body: dict[str, object],
) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    prop = schemas[model]["properties"][field]

    response = await client.post(path, json=body, headers=auth)

    assert declared in str(prop)
    assert response.status_code == 422
    assert any(e["loc"][-1] == field for e in response.json()["error"]["details"]["errors"])
