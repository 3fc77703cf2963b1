"""`crm serve --worker` runs a worker per workspace: a due schedule of workspace B runs in B."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.system import open_system
from accounts.workspaces import service as workspaces
from api.app import create_app
from crm.db import connect
from crm.schema import migrate
from factories import make_ready_campaign, make_schedule
from kernel.settings import Settings
from scheduling.clock import SystemClock

TIMEOUT = 60.0


async def test_a_due_schedule_of_a_workspace_runs_in_that_workspace(tmp_path: Path) -> None:
    settings = Settings(
        db_url=f"surrealkv://{tmp_path / 'crm.db'}",
        secret_key="worker-secret",  # type: ignore[arg-type]
        worker_poll_seconds=0.2,
    )
    async with connect(settings) as db:
        await migrate(db)
        system = await open_system(db, settings)
        b = await workspaces.create(system, "B")
        b_db = workspaces.data(system, b)
        campaign = await make_ready_campaign(
            b_db, settings=workspaces.settings_for(settings, b), contacts_count=2
        )
        at = SystemClock().now() + timedelta(seconds=1)
        await make_schedule(b_db, clock=SystemClock(), target=campaign.id, at=at)
        key = (await apikeys.create(system, "b", Role.OWNER, b)).key
        main_key = (
            await apikeys.create(
                system, "main", Role.OWNER, await workspaces.require(system, "main")
            )
        ).key

    app = create_app(settings, worker=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def status(bearer: str) -> Any:
                answer = await client.get(
                    f"/api/v1/campaigns/{campaign.id}/status",
                    headers={"Authorization": f"Bearer {bearer}"},
                )
                return answer

            async def finished() -> dict[str, Any]:
                while True:
                    runs = (await status(key)).json().get("runs", [])
                    if runs and runs[0]["finished_at"]:
                        return dict(runs[0])
                    await asyncio.sleep(0.2)

            run = await asyncio.wait_for(finished(), TIMEOUT)
            assert run["status"] == "succeeded", run
            assert (await status(main_key)).status_code == 404
