"""Reviewing through the API: `PATCH` of an asset, and `POST /campaigns/{ref}/approve` running
the quality gate: findings answer 422 with the findings, and an `override` reason approves
anyway and is recorded."""

from __future__ import annotations

import httpx
import pytest

from campaigns.models import Brief, Campaign
from crm.db import Database
from factories import make_ready_campaign
from kernel.settings import Settings

WEBINAR = "https://example.com/webinar"  # the assets link to https://example.com/spring


@pytest.fixture
async def campaign(db: Database, api_settings: Settings) -> Campaign:
    brief = Brief(goal="Invite them to the webinar", link=WEBINAR)
    return await make_ready_campaign(
        db, settings=api_settings, contacts_count=2, approve=False, brief=brief
    )


async def test_findings_refuse_approval_with_the_findings(
    client: httpx.AsyncClient, auth: dict[str, str], campaign: Campaign
) -> None:
    response = await client.post(f"/api/v1/campaigns/{campaign.id}/approve", headers=auth)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "--override" in error["message"]
    assert {(f["check"], f["message"]) for f in error["details"]["findings"]} == {
        ("link", f"no link to {WEBINAR}"),
        ("link", f"https://example.com/spring?x=1&y=2 is not the brief's link {WEBINAR}"),
    }


async def test_an_override_approves_and_is_recorded(
    client: httpx.AsyncClient, auth: dict[str, str], campaign: Campaign
) -> None:
    url = f"/api/v1/campaigns/{campaign.id}"
    response = await client.post(f"{url}/approve", json={"override": "same page"}, headers=auth)

    assert response.status_code == 200, response.text
    assert (response.json()["state"], response.json()["members"]) == ("approved", 2)
    assert (await client.get(url, headers=auth)).json()["quality_override"] == "same page"


async def test_an_asset_is_edited_by_patch_with_its_dependent_parts_derived(
    client: httpx.AsyncClient, auth: dict[str, str], campaign: Campaign
) -> None:
    url = f"/api/v1/campaigns/{campaign.id}/assets"
    body = f"Hi there,\n\nSeats are going fast. Book: {WEBINAR}\n\nBest regards"

    response = await client.patch(f"{url}/email/segment", json={"body": body}, headers=auth)

    assert response.status_code == 200, response.text
    edited = response.json()
    assert (edited["version"], edited["edited"]) == (2, True)
    assert edited["content"]["preheader"] == "Seats are going fast."
    assert f'<a href="{WEBINAR}">' in edited["content"]["body_html"]
    current = (await client.get(url, headers=auth)).json()["items"]
    assert [a["content"]["body"] for a in current] == [body]
    approved = await client.post(f"/api/v1/campaigns/{campaign.id}/approve", headers=auth)
    assert approved.status_code == 200, approved.text


async def test_a_patch_with_nothing_to_change_is_422(
    client: httpx.AsyncClient, auth: dict[str, str], campaign: Campaign
) -> None:
    url = f"/api/v1/campaigns/{campaign.id}/assets/email/segment"
    response = await client.patch(url, json={}, headers=auth)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "give at least one part to change"


async def test_the_call_to_action_is_edited_by_patch(
    client: httpx.AsyncClient, auth: dict[str, str], campaign: Campaign
) -> None:
    url = f"/api/v1/campaigns/{campaign.id}/assets/email/segment"

    response = await client.patch(url, json={"cta": {"label": "Book a seat"}}, headers=auth)

    assert response.status_code == 200, response.text
    content = response.json()["content"]
    assert content["cta"] == {"label": "Book a seat", "url": WEBINAR}
    # The body did not link to the call to action: now it does.
    assert sorted(content["links"]) == ["https://example.com/spring?x=1&y=2", WEBINAR]
    assert f'<a href="{WEBINAR}">' in content["body_html"]
    wrong = await client.patch(url, json={"cta": {"href": WEBINAR}}, headers=auth)
    assert wrong.status_code == 422, wrong.text
