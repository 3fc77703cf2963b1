"""Contacts over HTTP: CRUD, filters, cursor pages, timeline, and their error bodies."""

from __future__ import annotations

import httpx

from crm.db import Database
from factories import make_contact, make_contacts


class TestCrud:
    async def test_create_show_update_delete(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        created = await client.post(
            "/api/v1/contacts",
            json={"email": "Ada@Example.com", "first_name": "Ada", "company": "Engines"},
            headers=auth,
        )
        assert created.status_code == 201
        body = created.json()
        assert body["email"] == "Ada@example.com"
        assert body["source"] == "api"
        assert body["company_name"] == "Engines"

        shown = await client.get(f"/api/v1/contacts/{body['id']}", headers=auth)
        assert shown.json()["id"] == body["id"]
        by_email = await client.get("/api/v1/contacts/ada@example.com", headers=auth)
        assert by_email.json()["id"] == body["id"]

        updated = await client.patch(
            f"/api/v1/contacts/{body['id']}", json={"status": "engaged"}, headers=auth
        )
        assert updated.status_code == 200
        assert updated.json()["status"] == "engaged"

        deleted = await client.delete(f"/api/v1/contacts/{body['id']}", headers=auth)
        assert deleted.status_code == 204
        gone = await client.get(f"/api/v1/contacts/{body['id']}", headers=auth)
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "not_found"

    async def test_duplicate_email_is_409(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        await make_contact(db, email="ada@example.com")

        response = await client.post(
            "/api/v1/contacts", json={"email": "ada@example.com"}, headers=auth
        )

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "conflict"

    async def test_invalid_body_is_422_in_the_error_shape(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.post(
            "/api/v1/contacts", json={"email": "not-an-email", "bogus": 1}, headers=auth
        )

        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        assert error["details"]["errors"]

    async def test_malformed_json_is_422(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.post(
            "/api/v1/contacts",
            content=b"{not json",
            headers={**auth, "content-type": "application/json"},
        )

        assert response.status_code == 422

    async def test_backwards_status_move_is_422(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        contact = await make_contact(db, status="customer")

        response = await client.patch(
            f"/api/v1/contacts/{contact.id}", json={"status": "new"}, headers=auth
        )

        assert response.status_code == 422
        assert "allowed" in response.json()["error"]["details"]


class TestList:
    async def test_cursor_pages_cover_every_contact_once(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        made = await make_contacts(db, count=5)
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/api/v1/contacts", params=params, headers=auth)).json()
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(c.id for c in made)

    async def test_filters(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        await make_contact(db, email="vip@example.com", tags=["vip"])
        await make_contact(db, email="other@example.com")

        response = await client.get("/api/v1/contacts", params={"tag": "VIP"}, headers=auth)

        assert [c["email"] for c in response.json()["items"]] == ["vip@example.com"]

    async def test_bad_cursor_and_limit_are_422(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        bad_cursor = await client.get("/api/v1/contacts?cursor=%%%", headers=auth)
        bad_limit = await client.get("/api/v1/contacts?limit=0", headers=auth)

        assert bad_cursor.status_code == 422
        assert bad_limit.status_code == 422

    async def test_unknown_segment_is_404(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.get("/api/v1/contacts?segment=nope", headers=auth)

        assert response.status_code == 404


class TestTimeline:
    async def test_shows_changes_newest_first(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        contact = await make_contact(db)
        await client.patch(f"/api/v1/contacts/{contact.id}", json={"title": "CTO"}, headers=auth)

        response = await client.get(f"/api/v1/contacts/{contact.id}/timeline", headers=auth)

        kinds = [e["kind"] for e in response.json()["items"]]
        assert kinds == ["updated", "created"]


async def test_nul_characters_are_422_not_a_database_error(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post("/api/v1/companies", json={"name": "Acme\u0000"}, headers=auth)

    assert response.status_code == 422
