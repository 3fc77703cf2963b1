"""Workspaces isolate data in the engine; keys carry a workspace and a role; people sign in."""

from __future__ import annotations

import httpx

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from crm.db import Database


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_key_sees_only_its_workspace(
    client: httpx.AsyncClient, system: Database, main: Workspace, auth: dict[str, str]
) -> None:
    other = await workspaces.create(system, "Acme")
    theirs = await apikeys.create(system, "acme", Role.EDITOR, other)

    made = await client.post(
        "/api/v1/contacts", json={"email": "ana@example.com"}, headers=_bearer(theirs.key)
    )
    assert made.status_code == 201, made.text
    ident = made.json()["id"]

    assert (await client.get(f"/api/v1/contacts/{ident}", headers=auth)).status_code == 404
    assert (await client.get("/api/v1/contacts", headers=auth)).json()["items"] == []
    mine = await client.get(f"/api/v1/contacts/{ident}", headers=_bearer(theirs.key))
    assert mine.json()["email"] == "ana@example.com"


async def test_a_role_without_the_permission_is_403_naming_it(
    client: httpx.AsyncClient, system: Database, main: Workspace
) -> None:
    viewer = await apikeys.create(system, "v", Role.VIEWER, main)

    answer = await client.post(
        "/api/v1/contacts", json={"email": "ana@example.com"}, headers=_bearer(viewer.key)
    )

    assert answer.status_code == 403
    assert answer.json()["error"]["details"]["permission"] == "write"
    assert (await client.get("/api/v1/contacts", headers=_bearer(viewer.key))).status_code == 200


async def test_sign_in_sets_a_session_that_the_api_accepts(
    client: httpx.AsyncClient, system: Database, main: Workspace
) -> None:
    await users.add(system, "Ana@Example.com", Role.EDITOR, main, "correct horse battery")

    wrong = await client.post(
        "/auth/login", json={"email": "ana@example.com", "password": "nope nope nope"}
    )
    assert wrong.status_code == 401
    signed = await client.post(
        "/auth/login", json={"email": "ana@example.com", "password": "correct horse battery"}
    )
    assert signed.status_code == 200, signed.text
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert signed.json()["role"] == "editor"

    me = await client.get("/auth/me")
    assert me.json()["name"] == "ana@example.com"
    assert (await client.get("/api/v1/contacts")).status_code == 200

    # Cookie-authenticated changes carry the CSRF cookie's token in a header.
    csrf = {"X-CSRF-Token": client.cookies["crm_csrf"]}
    assert (await client.post("/auth/logout", headers=csrf)).status_code == 204
    assert (await client.get("/auth/me")).status_code == 401


async def test_signing_in_again_gives_a_new_session_and_the_old_one_stops_working(
    client: httpx.AsyncClient, system: Database, main: Workspace
) -> None:
    await users.add(system, "ana@example.com", Role.VIEWER, main, "correct horse battery")
    login = {"email": "ana@example.com", "password": "correct horse battery"}

    def signed_in_as(token: str) -> dict[str, str]:
        return {"Cookie": f"crm_session={token}"}

    first = (await client.post("/auth/login", json=login)).cookies["crm_session"]
    client.cookies.clear()
    planted = await client.post("/auth/login", json=login, headers=signed_in_as("planted"))
    second = planted.cookies["crm_session"]
    client.cookies.clear()

    assert first != second != "planted"
    assert (await client.get("/auth/me", headers=signed_in_as(second))).status_code == 200
    assert (await client.get("/auth/me", headers=signed_in_as("planted"))).status_code == 401
    csrf = {"X-CSRF-Token": "t", "Cookie": f"crm_session={first}; crm_csrf=t"}
    assert (await client.post("/auth/logout", headers=csrf)).status_code == 204
    assert (await client.get("/auth/me", headers=signed_in_as(first))).status_code == 401
    assert (await client.get("/auth/me", headers=signed_in_as(second))).status_code == 200
