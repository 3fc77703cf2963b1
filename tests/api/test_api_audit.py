"""The audit log through the API: what audited routes record, and `GET /api/v1/audit`."""

from __future__ import annotations

import httpx

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from crm.db import Database
from factories import make_contact, make_ready_campaign
from kernel.settings import Settings


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_an_audited_route_records_who_what_where_once_it_succeeded(
    client: httpx.AsyncClient, db: Database, system: Database, main: Workspace
) -> None:
    admin = await apikeys.create(system, "ops laptop", Role.ADMIN, main)
    contact = await make_contact(db)

    gone = await client.delete(f"/api/v1/contacts/{contact.id}", headers=_bearer(admin.key))
    assert gone.status_code == 204
    again = await client.delete(f"/api/v1/contacts/{contact.id}", headers=_bearer(admin.key))
    assert again.status_code == 404

    log = await client.get("/api/v1/audit", headers=_bearer(admin.key))
    assert log.status_code == 200
    [entry] = log.json()["items"]
    assert entry["action"] == "contact.delete"
    assert entry["target"] == f"contact:{contact.id}"
    assert entry["actor"] == f"key:{admin.id}"
    assert entry["actor_name"] == "ops laptop"
    assert entry["ip"] == "203.0.113.7"
    assert entry["workspace"] == "main"
    assert entry["at"]


async def test_campaign_actions_are_recorded_newest_first(
    client: httpx.AsyncClient,
    db: Database,
    outbox_settings: Settings,
    auth: dict[str, str],
) -> None:
    campaign = await make_ready_campaign(db, settings=outbox_settings, approve=False)

    for step in ("approve", "pause", "cancel"):
        await client.post(f"/api/v1/campaigns/{campaign.id}/{step}", headers=auth)

    items = (await client.get("/api/v1/audit", headers=auth)).json()["items"]
    # pause of an approved (not running) campaign is refused: not recorded
    assert [i["action"] for i in items] == ["campaign.cancel", "campaign.approve"]
    assert {i["target"] for i in items} == {f"campaign:{campaign.id}"}
    assert {i["actor"] for i in items} == {items[0]["actor"]}
    assert items[0]["actor"].startswith("env:")


async def test_the_log_is_the_callers_workspace_only_and_for_admins(
    client: httpx.AsyncClient, db: Database, system: Database, main: Workspace
) -> None:
    other = await workspaces.create(system, "Acme")
    theirs = await apikeys.create(system, "acme admin", Role.ADMIN, other)
    mine = await apikeys.create(system, "main admin", Role.ADMIN, main)
    editor = await apikeys.create(system, "main editor", Role.EDITOR, main)
    await client.post(
        "/api/v1/apikeys", json={"name": "x", "role": "viewer"}, headers=_bearer(theirs.key)
    )

    assert (await client.get("/api/v1/audit", headers=_bearer(mine.key))).json()["items"] == []
    acme = (await client.get("/api/v1/audit", headers=_bearer(theirs.key))).json()["items"]
    assert [(i["action"], i["workspace"]) for i in acme] == [("apikey.create", other.id)]

    refused = await client.get("/api/v1/audit", headers=_bearer(editor.key))
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["permission"] == "audit"


async def test_since_and_limit(
    client: httpx.AsyncClient, system: Database, main: Workspace, auth: dict[str, str]
) -> None:
    for n in range(3):
        await client.post("/api/v1/apikeys", json={"name": f"k{n}", "role": "viewer"}, headers=auth)

    two = (await client.get("/api/v1/audit", params={"limit": 2}, headers=auth)).json()["items"]
    assert len(two) == 2
    later = {"since": "2999-01-01T00:00:00"}
    assert (await client.get("/api/v1/audit", params=later, headers=auth)).json()["items"] == []
    earlier = {"since": "2000-01-01T00:00:00Z"}
    assert (
        len((await client.get("/api/v1/audit", params=earlier, headers=auth)).json()["items"]) == 3
    )


async def test_since_must_be_an_iso_time(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    for bad in ("0.5", "2020-13-45T00:00:00"):
        answer = await client.get("/api/v1/audit", params={"since": bad}, headers=auth)
        assert answer.status_code == 422, (bad, answer.text)
