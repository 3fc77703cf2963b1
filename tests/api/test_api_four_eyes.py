"""The four-eyes rule of a workspace: whoever last edited a campaign's assets cannot approve
it; someone else can. Off, the editor may approve."""

from __future__ import annotations

import httpx
import pytest

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from campaigns.models import Campaign
from crm.db import Database
from factories import make_ready_campaign
from kernel.settings import Settings

BODY = "Hi there,\n\nOur spring offer: https://example.com/spring?x=1&y=2\n\nBest regards"


@pytest.fixture
async def campaign(db: Database, api_settings: Settings) -> Campaign:
    return await make_ready_campaign(db, settings=api_settings, contacts_count=2, approve=False)


async def _edit_and_approve(
    client: httpx.AsyncClient, campaign: Campaign, editor: str, approver: str
) -> httpx.Response:
    url = f"/api/v1/campaigns/{campaign.id}"
    edited = await client.patch(
        f"{url}/assets/email/segment",
        json={"body": BODY},
        headers={"Authorization": f"Bearer {editor}"},
    )
    assert edited.status_code == 200, edited.text
    return await client.post(
        f"{url}/approve", json={}, headers={"Authorization": f"Bearer {approver}"}
    )


async def test_the_last_editor_cannot_approve_under_the_four_eyes_rule(
    client: httpx.AsyncClient, system: Database, main: Workspace, campaign: Campaign
) -> None:
    await workspaces.set_four_eyes(system, main.id, True, actor="cli")
    ana = await apikeys.create(system, "ana", Role.ADMIN, main)
    bo = await apikeys.create(system, "bo", Role.ADMIN, main)

    refused = await _edit_and_approve(client, campaign, ana.key, ana.key)

    assert refused.status_code == 409, refused.text
    message = refused.json()["error"]["message"]
    assert message == (
        f"four-eyes rule: key:{ana.id} edited the assets last (email segment); "
        "someone else must approve"
    )
    approved = await client.post(
        f"/api/v1/campaigns/{campaign.id}/approve",
        json={},
        headers={"Authorization": f"Bearer {bo.key}"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"


async def test_without_the_rule_the_editor_approves(
    client: httpx.AsyncClient, system: Database, main: Workspace, campaign: Campaign
) -> None:
    ana = await apikeys.create(system, "ana", Role.ADMIN, main)

    approved = await _edit_and_approve(client, campaign, ana.key, ana.key)

    assert approved.status_code == 200, approved.text
