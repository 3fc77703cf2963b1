"""`crm serve --worker`: a real server process is the only thing running, and a due schedule
still runs; stopping the server stops its worker cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from crm.db import connect
from crm.schema import migrate
from factories import make_ready_campaign, make_schedule
from kernel.settings import Settings
from scheduling.clock import SystemClock
from smtp_sink import free_port

KEY = "worker-serve-key"
TIMEOUT = 60.0


def wait_for(check: Any, proc: subprocess.Popen[bytes], log: Path) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            found = check()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(0.2)
    proc.terminate()
    raise AssertionError(log.read_text())


async def test_a_due_schedule_runs_while_only_crm_serve_worker_is_up(tmp_path: Path) -> None:
    db_url = f"surrealkv://{tmp_path / 'crm.db'}"
    settings = Settings(db_url=db_url, secret_key="serve-secret")  # type: ignore[arg-type]
    async with connect(settings) as db:
        await migrate(db)
        campaign = await make_ready_campaign(db, settings=settings, contacts_count=3)
        at = SystemClock().now() + timedelta(seconds=2)
        await make_schedule(db, clock=SystemClock(), target=campaign.id, at=at)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {
        "CRM_DB_URL": db_url,
        "CRM_DATA_DIR": str(tmp_path),
        "CRM_API_KEYS": KEY,
        "CRM_SECRET_KEY": "serve-secret",
        "CRM_WORKER_POLL_SECONDS": "0.2",
    }
    port = free_port()
    log = tmp_path / "serve.log"
    crm = Path(sys.executable).with_name("crm")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(crm), "serve", "--worker", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    status_url = f"http://127.0.0.1:{port}/api/v1/campaigns/{campaign.id}/status"

    def finished_run() -> dict[str, Any] | None:
        response = httpx.get(status_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=2)
        runs = response.json().get("runs", []) if response.status_code == 200 else []
        return runs[0] if runs and runs[0]["finished_at"] else None

    try:
        run = wait_for(finished_run, proc, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=TIMEOUT)

    assert (run["status"], run["counts"]["sent"]) == ("succeeded", 3), run
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert code in (0, -signal.SIGTERM), log.read_text()
    assert len(list((tmp_path / "outbox" / campaign.id).glob("*.eml"))) == 3
    text = log.read_text()
    assert text.index("campaigns.worker_stopped") < text.index("Application shutdown complete")
