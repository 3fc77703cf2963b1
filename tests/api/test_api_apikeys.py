"""`/api/v1/apikeys`: list, create and revoke the caller's workspace's keys."""

from __future__ import annotations

import httpx

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from crm.db import Database


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_create_list_and_revoke_a_key(
    client: httpx.AsyncClient, system: Database, main: Workspace
) -> None:
    admin = await apikeys.create(system, "admin", Role.ADMIN, main)

    made = await client.post(
        "/api/v1/apikeys", json={"name": "sync", "role": "editor"}, headers=_bearer(admin.key)
    )
    assert made.status_code == 201, made.text
    new = made.json()
    assert new["role"] == "editor" and new["workspace"] == "main"
    works = await client.post(
        "/api/v1/contacts", json={"email": "ana@example.com"}, headers=_bearer(new["key"])
    )
    assert works.status_code == 201

    listed = (await client.get("/api/v1/apikeys", headers=_bearer(admin.key))).json()["items"]
    assert [k["name"] for k in listed] == ["admin", "sync"]
    assert all("key" not in k and "digest" not in k for k in listed)

    revoked = await client.post(
        f"/api/v1/apikeys/{new['prefix']}/revoke", headers=_bearer(admin.key)
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    after = await client.get("/api/v1/contacts", headers=_bearer(new["key"]))
    assert after.status_code == 403

    log = await client.get("/api/v1/audit", headers=_bearer(admin.key))
    assert [(i["action"], i["target"]) for i in log.json()["items"]] == [
        ("apikey.revoke", f"apikey:{new['id']}"),
        ("apikey.create", f"apikey:{new['id']}"),
    ]
    assert new["key"] not in log.text and new["key"][:10] not in log.text


async def test_no_key_with_a_role_above_the_callers(
    client: httpx.AsyncClient, system: Database, main: Workspace
) -> None:
    admin = await apikeys.create(system, "admin", Role.ADMIN, main)

    owner = await client.post(
        "/api/v1/apikeys", json={"name": "boss", "role": "owner"}, headers=_bearer(admin.key)
    )
    assert owner.status_code == 403
    assert owner.json()["error"]["code"] == "forbidden"
    same = await client.post(
        "/api/v1/apikeys", json={"name": "peer", "role": "admin"}, headers=_bearer(admin.key)
    )
    assert same.status_code == 201
    assert [k.name for k in await apikeys.list_keys(system, main)] == ["admin", "peer"]


async def test_keys_of_another_workspace_are_not_found(
    client: httpx.AsyncClient, system: Database, main: Workspace
) -> None:
    other = await workspaces.create(system, "Acme")
    theirs = await apikeys.create(system, "acme", Role.ADMIN, other)
    mine = await apikeys.create(system, "main", Role.ADMIN, main)

    listed = (await client.get("/api/v1/apikeys", headers=_bearer(mine.key))).json()["items"]
    assert [k["name"] for k in listed] == ["main"]
    refused = await client.post(f"/api/v1/apikeys/{theirs.id}/revoke", headers=_bearer(mine.key))
    assert refused.status_code == 404
    elsewhere = await client.post(
        "/api/v1/apikeys",
        json={"name": "x", "role": "viewer", "workspace": "Acme"},
        headers=_bearer(mine.key),
    )
    assert elsewhere.status_code == 404
    assert (await client.get("/api/v1/contacts", headers=_bearer(theirs.key))).status_code == 200
    assert [k.name for k in await apikeys.list_keys(system, other)] == ["acme"]
