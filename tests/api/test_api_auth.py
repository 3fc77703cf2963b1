"""Every /api/v1 route wants a key: 401 without or with an unknown one, 403 when revoked,
429 over the per-key rate; bodies over the limit are 413. Public routes need no key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.workspaces.models import Workspace
from api.deps import AppState
from api.limits import RateLimiter
from crm.db import Database


def _routes() -> list[tuple[str, str]]:
    from api.app import create_app
    from kernel.settings import Settings

    spec = create_app(Settings(db_url="mem://")).openapi()
    return [
        (method.upper(), path.replace("{ref}", "x").replace("{job_id}", "x"))
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    ]


ROUTES = _routes()


def test_every_router_is_covered() -> None:
    prefixes = {path.split("/")[3] for _, path in ROUTES}
    assert prefixes >= {
        "contacts",
        "companies",
        "segments",
        "campaigns",
        "landing-pages",
        "analytics",
        "jobs",
    }


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_without_a_key_is_401(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_an_unknown_key_is_401(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, headers={"Authorization": "Bearer nope"})

    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_a_revoked_key_is_403(
    client: httpx.AsyncClient, system: Database, main: Workspace, method: str, path: str
) -> None:
    key = await apikeys.create(system, "ci", Role.ADMIN, main)
    await apikeys.revoke(system, key.id)

    response = await client.request(method, path, headers={"Authorization": f"Bearer {key.key}"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


class TestKeys:
    async def test_a_created_key_works_and_only_its_digest_is_stored(
        self, client: httpx.AsyncClient, system: Database, main: Workspace
    ) -> None:
        key = await apikeys.create(system, "ci", Role.VIEWER, main)

        response = await client.get(
            "/api/v1/contacts", headers={"Authorization": f"Bearer {key.key}"}
        )

        assert response.status_code == 200
        stored = await system.one("SELECT * FROM api_key")
        assert key.key not in str(stored)

    async def test_revoke_by_prefix(self, system: Database, main: Workspace) -> None:
        key = await apikeys.create(system, "ci", Role.ADMIN, main)

        revoked = await apikeys.revoke(system, key.prefix)

        assert revoked.revoked
        assert [k.revoked for k in await apikeys.list_keys(system)] == [True]

    async def test_a_non_bearer_scheme_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/contacts", headers={"Authorization": "Basic eDp5"})

        assert response.status_code == 401

    async def test_an_oversized_key_is_401_without_a_lookup(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(
            "/api/v1/contacts", headers={"Authorization": "Bearer " + "k" * 5000}
        )

        assert response.status_code == 401


class TestLimits:
    async def test_over_the_rate_limit_is_429_with_retry_after(
        self, client: httpx.AsyncClient, auth: dict[str, str], state: AppState
    ) -> None:
        state.key_limiter = RateLimiter(2, clock=lambda: 0.0)

        answers = [
            (await client.get("/api/v1/contacts", headers=auth)).status_code for _ in range(3)
        ]

        assert answers == [200, 200, 429]
        response = await client.get("/api/v1/contacts", headers=auth)
        assert response.json()["error"]["code"] == "rate_limited"
        assert int(response.headers["retry-after"]) >= 1

    async def test_a_body_over_the_limit_is_413(
        self, client: httpx.AsyncClient, auth: dict[str, str], api_settings: object
    ) -> None:
        response = await client.post(
            "/api/v1/contacts",
            content=b"{" + b" " * 2_000_000 + b"}",
            headers={**auth, "content-type": "application/json"},
        )

        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"

    async def test_a_streamed_body_over_the_limit_is_413(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(30):
                yield b" " * 100_000

        response = await client.post(
            "/api/v1/contacts",
            content=chunks(),
            headers={**auth, "content-type": "application/json"},
        )

        assert response.status_code == 413


class TestErrors:
    async def test_unknown_route_is_404_in_the_error_shape(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.get("/api/v1/nothing", headers=auth)

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    async def test_wrong_method_is_405_in_the_error_shape(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.put("/api/v1/contacts", headers=auth)

        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"
        assert response.headers["allow"] == "GET, OPTIONS, POST"

    @pytest.mark.parametrize(
        ("path", "allow"),
        [
            ("/api/v1/campaigns", "GET, OPTIONS, POST"),
            ("/api/v1/contacts/abc", "DELETE, GET, OPTIONS, PATCH"),
            ("/api/v1/contacts/import", "OPTIONS, POST"),
        ],
    )
    async def test_options_lists_every_method_of_the_path(
        self, client: httpx.AsyncClient, path: str, allow: str
    ) -> None:
        response = await client.options(path)

        assert response.status_code == 204
        assert response.headers["allow"] == allow

    async def test_security_headers_on_api_responses(
        self, client: httpx.AsyncClient, auth: dict[str, str]
    ) -> None:
        response = await client.get("/api/v1/contacts", headers=auth)

        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in response.headers["content-security-policy"]


class TestPublic:
    async def test_health_reports_the_schema_version(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health")

        body = response.json()
        assert response.status_code == 200
        assert body["status"] == "ok"
        assert body["database"]["reachable"] is True
        assert body["database"]["schema_version"] == body["database"]["latest_schema_version"]

    async def test_health_without_a_database_is_503(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        state.db = None

        response = await client.get("/health")

        assert response.status_code == 503
        assert response.json()["database"]["reachable"] is False

    async def test_openapi_and_docs_need_no_key(self, client: httpx.AsyncClient) -> None:
        spec = (await client.get("/openapi.json")).json()

        assert (await client.get("/docs")).status_code == 200
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                assert "200" in operation["responses"] or any(
                    s.startswith(("2", "3")) for s in operation["responses"]
                ), (method, path)
