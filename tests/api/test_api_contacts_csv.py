"""`POST /api/v1/contacts/import` (a CSV upload) and `GET /api/v1/contacts/export` (a CSV
download): the same reports and files as `crm contacts import` / `export`."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from crm.db import Database
from factories import csv_text, make_contact, make_segment
from kernel.settings import Settings

CSV = {"Content-Type": "text/csv"}
ROWS = [
    ["E-mail", "First Name", "Plan"],
    ["ada@example.com", "Ada", "pro"],
    ["not-an-email", "Bob", "free"],
    ["grace@example.com", "Grace", "free"],
]


class TestImport:
    async def test_good_rows_land_and_bad_rows_are_reported_by_line(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.post(
            "/api/v1/contacts/import",
            content=csv_text(ROWS).encode(),
            params={"tag": ["imported", "spring"], "map": "Plan=custom.plan"},
            headers=auth | CSV,
        )

        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["read"], report["created"], report["failed"]) == (3, 2, 1)
        assert report["errors"][0]["line"] == 3
        assert "invalid email" in report["errors"][0]["reason"]
        ada = (await client.get("/api/v1/contacts/ada@example.com", headers=auth)).json()
        assert ada["tags"] == ["imported", "spring"]
        assert ada["custom"] == {"plan": "pro"}

    async def test_a_repeated_upload_updates_instead_of_duplicating(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        await client.post(
            "/api/v1/contacts/import", content=csv_text(ROWS).encode(), headers=auth | CSV
        )
        changed = [["email", "title"], ["ada@example.com", "Countess"]]

        again = await client.post(
            "/api/v1/contacts/import",
            content=csv_text(changed).encode(),
            params={"on_duplicate": "update"},
            headers=auth | CSV,
        )

        assert again.json() | {"errors": []} == {
            "read": 1,
            "created": 0,
            "updated": 1,
            "skipped": 0,
            "failed": 0,
            "errors": [],
        }
        ada = (await client.get("/api/v1/contacts/ada@example.com", headers=auth)).json()
        assert (ada["first_name"], ada["title"]) == ("Ada", "Countess")

    async def test_a_nul_character_refuses_the_whole_file(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        body = b"email,first_name\nada@example.com,A\x00da\n"

        response = await client.post("/api/v1/contacts/import", content=body, headers=auth | CSV)

        assert response.status_code == 422
        assert "NUL" in response.json()["error"]["message"]
        listed = await client.get("/api/v1/contacts", headers=auth)
        assert listed.json()["items"] == []

    @pytest.mark.parametrize(
        ("body", "params"),
        [
            (csv_text(ROWS), {"on_duplicate": "merge"}),
            ("", {"encoding": "no-such-codec"}),
            (csv_text(ROWS), {"map": "Plan"}),
        ],
    )
    async def test_bad_options_are_422(
        self, client: httpx.AsyncClient, auth: dict[str, str], body: str, params: dict[str, str]
    ) -> None:
        response = await client.post(
            "/api/v1/contacts/import", content=body.encode(), params=params, headers=auth | CSV
        )

        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_failed"

    async def test_an_upload_may_exceed_the_json_body_limit_but_not_its_own(
        self, db: Database
    ) -> None:
        settings = Settings(db_url="mem://", api_keys="k", api_max_body=100, api_max_upload=2000)
        app: FastAPI = create_app(settings, database=db)
        transport = httpx.ASGITransport(app=app)
        auth = {"Authorization": "Bearer k"}
        rows = [["email"], *([f"p{n}@example.com"] for n in range(30))]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            small = await client.post(
                "/api/v1/contacts/import", content=csv_text(rows).encode(), headers=auth | CSV
            )
            big = await client.post(
                "/api/v1/contacts/import",
                content=csv_text(rows * 10).encode(),
                headers=auth | CSV,
            )

        assert small.status_code == 200
        assert small.json()["created"] == 30
        assert big.status_code == 413


class TestExport:
    async def test_a_segment_exports_as_csv_with_its_count(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        await make_contact(db, email="ada@example.com", country="GB", custom={"plan": "pro"})
        await make_contact(db, email="linus@example.fi", country="FI")
        await make_segment(db, name="brits", rule='country = "GB"')

        response = await client.get(
            "/api/v1/contacts/export", params={"segment": "brits"}, headers=auth
        )

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["x-exported"] == "1"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["email"], r["country"], r["custom.plan"]) for r in rows] == [
            ("ada@example.com", "GB", "pro")
        ]

    async def test_an_export_imports_again_as_it_is(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        await make_contact(db, email="ada@example.com", tags=["vip", "speaker"])
        exported = await client.get("/api/v1/contacts/export", headers=auth)

        again = await client.post(
            "/api/v1/contacts/import", content=exported.content, headers=auth | CSV
        )

        assert again.json() | {"errors": []} == {
            "read": 1,
            "created": 0,
            "updated": 0,
            "skipped": 1,
            "failed": 0,
            "errors": [],
        }

    async def test_formulas_are_neutralised_unless_raw(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database
    ) -> None:
        await make_contact(db, email="ada@example.com", title="@SUM(A1:A9)")

        safe = await client.get("/api/v1/contacts/export", headers=auth)
        raw = await client.get("/api/v1/contacts/export", params={"raw": "true"}, headers=auth)

        assert [r["title"] for r in csv.DictReader(io.StringIO(safe.text))] == ["'@SUM(A1:A9)"]
        assert [r["title"] for r in csv.DictReader(io.StringIO(raw.text))] == ["@SUM(A1:A9)"]

    @pytest.mark.parametrize("path", ["/api/v1/contacts/export", "/api/v1/contacts/import"])
    async def test_need_a_key(self, client: httpx.AsyncClient, path: str) -> None:
        response = await client.request("GET" if "export" in path else "POST", path)

        assert response.status_code == 401
