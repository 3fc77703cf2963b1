"""`/api/v1/companies`: input the database could not store is a 422, not a database error."""

from __future__ import annotations

import httpx


async def test_a_size_beyond_any_company_is_422(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = {"name": "Huge", "size": 28124391555747979294697993259536351232}

    response = await client.post("/api/v1/companies", json=body, headers=auth)

    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("size:")
