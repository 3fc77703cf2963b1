"""`crm campaigns schedule --repeat` and `crm campaigns status` with the campaign's runs."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from api.app import create_app
from campaigns.models import Campaign
from cli import runtime
from cli.main import app
from crm.db import connect
from crm.schema import migrate
from factories import make_ready_campaign
from kernel.settings import Settings
from scheduling.clock import FakeClock
from scheduling.jobs import production_job
from scheduling.service import ClaimPolicy
from scheduling.worker import Worker
from smtp_sink import free_port

KEY = "schedule-cli-key"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    url = f"surrealkv://{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CRM_DB_URL", url)
    monkeypatch.setenv("CRM_SECRET_KEY", "cli-secret")
    return Settings(db_url=url, secret_key="cli-secret")  # type: ignore[arg-type]


@pytest.fixture
def campaign(settings: Settings) -> Campaign:
    async def make() -> Campaign:
        async with connect(settings) as db:
            await migrate(db)
            return await make_ready_campaign(db, settings=settings, contacts_count=2)

    return asyncio.run(make())


def crm_json(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_due(settings: Settings, due: datetime) -> None:
    """What a worker does when the occurrence is due."""

    async def work() -> None:
        async with connect(settings) as db:
            worker = Worker(
                db, production_job(settings), policy=ClaimPolicy(owner="w1"), clock=FakeClock(due)
            )
            assert len(await worker.tick()) == 1
            await worker.wait_idle()

    asyncio.run(work())


def test_a_repeating_schedule_and_its_runs_in_the_campaign_status(
    settings: Settings, campaign: Campaign
) -> None:
    created = crm_json("campaigns", "schedule", campaign.id, "--cron", "0 9 * * *", "--repeat")
    listed = crm_json("schedules", "list", "--campaign", campaign.id)
    before = crm_json("campaigns", "status", campaign.id)
    run_due(settings, datetime.fromisoformat(created["next_due_at"]))

    after = crm_json("campaigns", "status", campaign.id)
    shown = CliRunner().invoke(app, ["campaigns", "status", campaign.id])

    assert (created["repeat"], [s["id"] for s in listed]) == (True, [created["id"]])
    assert before["runs"] == []
    [run] = after["runs"]
    assert (run["status"], run["counts"]["sent"], after["sent"]) == ("succeeded", 2, 2)
    assert shown.exit_code == 0
    assert "Scheduled runs" in shown.stdout
    assert "succeed" in shown.stdout and "sent=2" in shown.stdout


def test_repeat_is_only_for_campaign_schedules() -> None:
    result = CliRunner().invoke(app, ["schedules", "enrich", "--cron", "0 3 * * *", "--repeat"])

    assert result.exit_code == 2


@pytest.fixture
def live(settings: Settings, campaign: Campaign, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The API server in this process holding the campaign's database; the CLI reaches it
    through --api-url only."""
    port = free_port()
    served = settings.model_copy(update={"api_keys": KEY})
    config = uvicorn.Config(create_app(served), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    monkeypatch.setenv("CRM_API_KEY", KEY)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        runtime.options.api_url = None
        server.should_exit = True
        thread.join(timeout=60)


def test_schedule_commands_go_through_the_api(live: str, campaign: Campaign) -> None:
    def crm(*args: str) -> Any:
        return crm_json("--api-url", live, *args)

    created = crm("campaigns", "schedule", campaign.id, "--cron", "0 9 * * MON", "--repeat")
    listed = crm("schedules", "list", "--campaign", campaign.id)
    paused = crm("schedules", "pause", created["id"])
    resumed = crm("schedules", "resume", created["id"])
    shown = crm("schedules", "show", created["id"])
    deleted = crm("schedules", "delete", created["id"])

    assert (created["cron"], created["repeat"]) == ("0 9 * * MON", True)
    assert [s["id"] for s in listed] == [created["id"]]
    assert (paused["state"], resumed["state"]) == ("paused", "active")
    assert (shown["schedule"]["id"], shown["runs"]) == (created["id"], [])
    assert deleted == {"id": created["id"], "deleted": True}
    assert crm("schedules", "list", "--campaign", campaign.id) == []
