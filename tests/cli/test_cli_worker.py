"""`crm worker` as a real process on an embedded database: it logs each run's start, progress
and end and its shutdown, and while it holds the file the other commands go through the local
API it serves."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import server_info
from campaigns.models import Campaign
from crm.db import connect
from crm.schema import migrate
from crm_cli import Crm
from factories import make_ready_campaign, make_schedule
from kernel.settings import Settings
from scheduling.clock import SystemClock

TIMEOUT = 60.0


def wait_for(check: Callable[[], Any], proc: subprocess.Popen[bytes], log: Path) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(log.read_text())
        if found := check():
            return found
        time.sleep(0.2)
    proc.terminate()
    raise AssertionError(log.read_text())


async def _campaign_due_in_two_seconds(settings: Settings) -> Campaign:
    async with connect(settings) as db:
        await migrate(db)
        campaign = await make_ready_campaign(db, settings=settings, contacts_count=3)
        at = SystemClock().now() + timedelta(seconds=2)
        await make_schedule(db, clock=SystemClock(), target=campaign.id, at=at)
    return campaign


def test_worker_logs_its_runs_and_serves_the_other_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_file = tmp_path / "crm.db"
    db_url = f"surrealkv://{db_file}"
    settings = Settings(db_url=db_url, secret_key="worker-secret")  # type: ignore[arg-type]
    campaign = asyncio.run(_campaign_due_in_two_seconds(settings))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {
        "CRM_DB_URL": db_url,
        "CRM_DATA_DIR": str(tmp_path),
        "CRM_SECRET_KEY": "worker-secret",
        "CRM_WORKER_POLL_SECONDS": "0.2",
        # Progress is logged every batch of messages: a batch of 2 logs it for 3 contacts.
        "CRM_SEND_BATCH_SIZE": "2",
        "CRM_SEND_CONCURRENCY": "1",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("crm")), "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        info = wait_for(lambda: server_info.read(db_file), proc, log)
        monkeypatch.setenv("CRM_DB_URL", db_url)
        local = Crm(db_file)
        assert len(local.json("contacts", "list")["items"]) == 3
        # A command without a REST route says how to run it.
        assert f"stop the server (kill {info.pid})" in local.fails("enrich")

        def finished_run() -> dict[str, Any] | None:
            response = httpx.get(
                f"{info.url}/api/v1/campaigns/{campaign.id}/status",
                headers={"Authorization": f"Bearer {info.token}"},
                timeout=5,
            )
            runs = response.json().get("runs", [])
            return runs[0] if runs and runs[0]["finished_at"] else None

        run = wait_for(finished_run, proc, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)

    assert (run["status"], run["counts"]["sent"]) == ("succeeded", 3), run
    assert server_info.read(db_file, alive_only=False) is None
    events = [
        json.loads(line)["event"] for line in log.read_text().splitlines() if line.startswith("{")
    ]
    expected = [
        "campaigns.worker_started",
        "campaigns.schedule_run_started",
        "campaigns.schedule_run_progress",
        "campaigns.schedule_run_succeeded",
        "campaigns.worker_stopping",
        "campaigns.worker_stopped",
    ]
    assert [e for e in events if e in expected] == expected, log.read_text()
