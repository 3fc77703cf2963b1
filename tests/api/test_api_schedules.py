"""`/api/v1/campaigns/{id}/schedules` and `/api/v1/schedules/{id}`: create, list with runs,
pause, resume, delete; errors in the API's shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from campaigns.models import Campaign
from crm.db import Database
from factories import make_campaign, make_ready_campaign
from kernel.settings import Settings
from scheduling import service
from scheduling.clock import FakeClock
from scheduling.service import ClaimPolicy


@pytest.fixture
async def campaign(db: Database, api_settings: Settings) -> Campaign:
    return await make_ready_campaign(db, settings=api_settings, contacts_count=2)


def url(campaign: Campaign) -> str:
    return f"/api/v1/campaigns/{campaign.id}/schedules"


class TestCreate:
    async def test_a_weekly_schedule_in_a_zone(
        self, client: httpx.AsyncClient, auth: dict[str, str], campaign: Campaign
    ) -> None:
        body = {"cron": "0 9 * * MON", "tz": "America/New_York", "repeat": True}

        response = await client.post(url(campaign), json=body, headers=auth)

        assert response.status_code == 201, response.text
        created = response.json()
        assert (created["kind"], created["target"], created["cron"], created["repeat"]) == (
            "campaign",
            campaign.id,
            "0 9 * * MON",
            True,
        )
        due = datetime.fromisoformat(created["next_due_at"])
        assert (due.weekday(), due.astimezone(UTC).hour) in {(0, 13), (0, 14)}  # 09:00 EST/EDT

    async def test_once_at_a_wall_time(
        self, client: httpx.AsyncClient, auth: dict[str, str], campaign: Campaign
    ) -> None:
        at = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0, tzinfo=None)

        response = await client.post(
            url(campaign), json={"at": at.isoformat(), "tz": "Europe/Berlin"}, headers=auth
        )

        assert response.status_code == 201, response.text
        due = datetime.fromisoformat(response.json()["next_due_at"])
        assert due.astimezone(UTC).replace(tzinfo=None) in {at - timedelta(hours=h) for h in (1, 2)}

    @pytest.mark.parametrize(
        ("body", "status", "fragment"),
        [
            ({}, 422, "exactly one"),
            ({"cron": "0 9 * *"}, 422, "invalid cron"),
            ({"cron": "0 9 * * *", "tz": "Mars/Olympus"}, 422, "unknown time zone"),
            ({"at": "2020-01-01T09:00:00"}, 422, "in the past"),
            ({"cron": "0 9 * * *", "missed": "burst"}, 422, ""),
        ],
    )
    async def test_bad_timing_is_422_in_the_error_shape(
        self,
        client: httpx.AsyncClient,
        auth: dict[str, str],
        campaign: Campaign,
        body: dict[str, str],
        status: int,
        fragment: str,
    ) -> None:
        response = await client.post(url(campaign), json=body, headers=auth)

        assert response.status_code == status, response.text
        assert fragment in response.json()["error"]["message"]

    @pytest.mark.parametrize("ref", ["nope", "%20"])
    async def test_an_unknown_or_blank_campaign_is_404(
        self, client: httpx.AsyncClient, auth: dict[str, str], ref: str
    ) -> None:
        response = await client.post(
            f"/api/v1/campaigns/{ref}/schedules", json={"cron": "0 9 * * *"}, headers=auth
        )

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class TestListAndManage:
    async def test_list_shows_each_schedule_with_its_runs(
        self, client: httpx.AsyncClient, auth: dict[str, str], db: Database, campaign: Campaign
    ) -> None:
        other = await make_campaign(db, name="Other")
        made = await client.post(url(campaign), json={"cron": "0 9 * * *"}, headers=auth)
        # Not due when the first is (a daily cron could be, at some hours of the day).
        await client.post(url(other), json={"at": "2099-01-01T10:00:00Z"}, headers=auth)
        schedule_id = made.json()["id"]
        due = datetime.fromisoformat(made.json()["next_due_at"])
        clock = FakeClock(due)
        [run] = await service.claim(db, ClaimPolicy(owner="w1"), clock=clock, limit=1)

        response = await client.get(url(campaign), headers=auth)

        assert response.status_code == 200
        [item] = response.json()["items"]
        assert item["id"] == schedule_id
        assert [(r["id"], r["status"]) for r in item["runs"]] == [(run.id, "running")]
        shown = await client.get(f"/api/v1/schedules/{schedule_id}", headers=auth)
        assert shown.json()["runs"][0]["id"] == run.id
        status = await client.get(f"/api/v1/campaigns/{campaign.id}/status", headers=auth)
        assert [r["id"] for r in status.json()["runs"]] == [run.id]

    async def test_pause_resume_delete(
        self, client: httpx.AsyncClient, auth: dict[str, str], campaign: Campaign
    ) -> None:
        made = await client.post(url(campaign), json={"cron": "0 9 * * *"}, headers=auth)
        path = f"/api/v1/schedules/{made.json()['id']}"

        paused = await client.post(f"{path}/pause", headers=auth)
        again = await client.post(f"{path}/pause", headers=auth)
        resumed = await client.post(f"{path}/resume", headers=auth)
        deleted = await client.delete(path, headers=auth)
        gone = await client.get(path, headers=auth)

        assert (paused.status_code, paused.json()["state"]) == (200, "paused")
        assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
        assert (resumed.status_code, resumed.json()["state"]) == (200, "active")
        assert deleted.status_code == 204
        assert gone.status_code == 404
        assert (await client.get(url(campaign), headers=auth)).json()["items"] == []

    @pytest.mark.parametrize("method", ["POST", "DELETE"])
    async def test_an_unknown_schedule_is_404(
        self, client: httpx.AsyncClient, auth: dict[str, str], method: str
    ) -> None:
        path = "/api/v1/schedules/nope" + ("/pause" if method == "POST" else "")

        response = await client.request(method, path, headers=auth)

        assert response.status_code == 404
