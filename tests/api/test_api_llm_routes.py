"""The LLM-backed routes on their success path: the app's gateway talks to a fake provider
(respx); everything else is real (the database, the tools, the jobs, the page renderer)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import respx

from api.deps import AppState
from campaigns.models import Campaign
from crm.db import Database
from factories import make_campaign, make_contact, make_segment
from fake_llm import EMAIL, MODEL, PAGE, SUMMARY, TOKENS_IN, TOKENS_OUT


@pytest.fixture
async def campaign(db: Database) -> Campaign:
    """A draft email campaign to everyone, of one contact."""
    await make_segment(db, name="all")
    await make_contact(db, email="ada@example.com")
    return await make_campaign(db, segment="all")


async def finished(
    client: httpx.AsyncClient, auth: dict[str, str], state: AppState, job: dict[str, Any]
) -> dict[str, Any]:
    """The job as its status URL shows it once the work is over."""
    await state.jobs.wait(job["id"])
    response = await client.get(job["status_url"], headers=auth)
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


async def test_generating_assets_answers_202_and_the_job_lists_its_cost(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    state: AppState,
    db: Database,
    provider: respx.Route,
    campaign: Campaign,
) -> None:

    response = await client.post(f"/api/v1/campaigns/{campaign.id}/assets", headers=auth)

    assert response.status_code == 202
    job = response.json()
    assert job["status_url"] == f"/api/v1/jobs/{job['id']}"
    done = await finished(client, auth, state, job)
    assert done["status"] == "done", done
    assert done["result"]["created"] == 1
    assert done["result"]["tokens"] == TOKENS_IN + TOKENS_OUT
    assert done["result"]["cost"] > 0
    assets = (await client.get(f"/api/v1/campaigns/{campaign.id}/assets", headers=auth)).json()
    [asset] = assets["items"]
    assert asset["channel"] == "email"
    assert asset["content"]["subject"] == EMAIL["subject"]
    assert asset["model"] == MODEL
    assert (asset["tokens_in"], asset["tokens_out"]) == (TOKENS_IN, TOKENS_OUT)
    assert asset["cost"] > 0
    assert provider.call_count == 1


async def test_a_generated_page_is_published_and_served(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    state: AppState,
    db: Database,
    provider: respx.Route,
) -> None:
    campaign = await make_campaign(db)

    response = await client.post(
        "/api/v1/landing-pages/generate",
        json={"campaign": campaign.id, "slug": "spring", "publish": True},
        headers=auth,
    )

    assert response.status_code == 202
    done = await finished(client, auth, state, response.json())
    assert done["status"] == "done", done
    assert done["result"]["slug"] == "spring"
    assert done["result"]["status"] == "published"
    assert done["result"]["url"] == "http://testserver/lp/spring"
    page = await client.get("/lp/spring")
    assert page.status_code == 200
    assert PAGE["headline"] in page.text
    assert 'name="company"' in page.text
    # An email campaign's page asks for consent with a box the visitor has to tick.
    box = re.search(r'<input type="checkbox" id="[^"]+" name="email_consent"[^>]*>', page.text)
    assert box and "checked" not in box[0]


async def test_a_contact_summary_is_the_models_text(
    client: httpx.AsyncClient, auth: dict[str, str], db: Database, provider: respx.Route
) -> None:
    contact = await make_contact(db, email="ada@example.com", first_name="Ada")

    response = await client.post(f"/api/v1/contacts/{contact.id}/summary", headers=auth)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["contact_id"] == contact.id
    assert body["summary"] == SUMMARY["summary"]
    assert body["engagement_level"] == "warm"
    assert body["next_step"] == SUMMARY["next_step"]
    assert body["events_used"] >= 1
    assert body["cost"] > 0  # a priced model


async def test_one_asset_is_written_again_as_a_job(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    state: AppState,
    db: Database,
    provider: respx.Route,
    campaign: Campaign,
) -> None:
    url = f"/api/v1/campaigns/{campaign.id}/assets"
    await finished(client, auth, state, (await client.post(url, headers=auth)).json())
    await client.patch(f"{url}/email/segment", json={"subject": "By hand"}, headers=auth)

    response = await client.post(f"{url}/email/segment/regenerate", headers=auth)
    missing = await client.post(f"{url}/x/segment/regenerate", headers=auth)

    assert response.status_code == 202
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    done = await finished(client, auth, state, response.json())
    assert done["status"] == "done" and done["result"]["created"] == 1, done
    versions = (await client.get(f"{url}/email/segment/versions", headers=auth)).json()["items"]
    assert [(v["version"], v["edited"]) for v in versions] == [(1, False), (2, True), (3, False)]
    assert versions[-1]["content"]["subject"] == EMAIL["subject"]
    assert provider.call_count == 2
