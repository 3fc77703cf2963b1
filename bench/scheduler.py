"""Latency from due time to claim with 1,000 schedules, three workers on one database.

1,000 one-time schedules fall due over about five seconds of real time (so claims compete
with each other as they would in production); three workers poll every 0.5 s on the system
clock and run a no-op job. Latency = claimed_at - due_at of each run. The workers are tasks in
one process sharing one embedded `mem://` database (the embedded engine is locked to one
process). Run: `.venv/bin/python bench/scheduler.py`.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from datetime import timedelta

import structlog

from campaigns.scheduling import service
from campaigns.scheduling.clock import SystemClock
from campaigns.scheduling.models import Run, RunOutcome, RunStatus, ScheduleCreate
from campaigns.scheduling.service import ClaimPolicy
from campaigns.scheduling.worker import Worker
from crm.db import Database, connect
from crm.schema import migrate
from crm.settings import Settings

SCHEDULES = 1000
WORKERS = 3
SPREAD_SECONDS = 5.0
POLL_SECONDS = 0.5
CONCURRENCY = 32


async def noop(db: Database, run: Run) -> RunOutcome:
    return RunOutcome()


async def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    async with connect(Settings(db_url="mem://")) as db:
        await migrate(db)
        from campaigns import service as campaigns
        from campaigns.models import Brief, CampaignCreate

        campaign = await campaigns.create(
            db,
            CampaignCreate(name="bench", brief=Brief(goal="g"), segment="all", channels=["email"]),
        )
        clock = SystemClock()
        start = clock.now() + timedelta(seconds=3)
        made = time.perf_counter()
        for n in range(SCHEDULES):
            at = start + timedelta(seconds=SPREAD_SECONDS * n / SCHEDULES)
            await service.create(db, ScheduleCreate(target=campaign.id, at=at), clock=clock)
        print(f"created {SCHEDULES} schedules in {time.perf_counter() - made:.1f}s")
        workers = [
            Worker(
                db,
                noop,
                policy=ClaimPolicy(owner=f"w{n}"),
                clock=clock,
                poll_seconds=POLL_SECONDS,
                concurrency=CONCURRENCY,
            )
            for n in range(WORKERS)
        ]
        tasks = [asyncio.create_task(w.run()) for w in workers]
        while True:
            await asyncio.sleep(0.5)
            runs = await service.runs(db, limit=SCHEDULES)
            if len(runs) == SCHEDULES and all(r.status is RunStatus.SUCCEEDED for r in runs):
                break
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)
    latencies = sorted(
        (r.claimed_at - r.due_at).total_seconds() * 1000 for r in runs if r.claimed_at
    )
    q = statistics.quantiles(latencies, n=100)
    per_worker = {w: sum(1 for r in runs if r.workers == [w]) for w in (x.id for x in workers)}
    print(
        f"{len(latencies)} claims, due->claim latency p50 {q[49]:.0f} ms, p99 {q[98]:.0f} ms, "
        f"max {latencies[-1]:.0f} ms (poll {POLL_SECONDS * 1000:.0f} ms); per worker {per_worker}"
    )


if __name__ == "__main__":
    asyncio.run(main())
