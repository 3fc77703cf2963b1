"""Latency from due time to claim with 1,000 schedules, three workers on one database.

Two loads, each measured twice in this run: with the worker as it is (it sleeps until the next
occurrence falls due when that is sooner than its poll interval) and with a baseline worker
that only polls (the behaviour before); both claim the same way (a transaction per claim of
all their free places). Ratios are new / baseline.
- burst: all 1,000 schedules fall due over 5 s of real time, so claims compete with each
  other and the latency mostly measures claim throughput;
- steady: 100 of the 1,000 fall due over 10 s (the rest days later), where the latency is
  mostly the wait for the next poll.
Three workers poll every 0.5 s on the system clock and run a no-op job. Latency = claimed_at -
due_at of each run. The workers are tasks in one process sharing one embedded `mem://`
database (the embedded engine is locked to one process).
Run: `.venv/bin/python bench/scheduler.py`.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from dataclasses import dataclass
from datetime import timedelta

import structlog

from crm.db import Database, connect
from crm.schema import migrate
from kernel.settings import Settings
from scheduling import service
from scheduling.clock import SystemClock
from scheduling.models import Run, RunOutcome, ScheduleCreate
from scheduling.service import ClaimPolicy
from scheduling.worker import Worker

SCHEDULES = 1000
WORKERS = 3
POLL_SECONDS = 0.5
CONCURRENCY = 32


@dataclass(frozen=True)
class Load:
    name: str
    due: int  # schedules falling due during the measurement; the rest are due days later
    spread_seconds: float


LOADS = (Load("burst", SCHEDULES, 5.0), Load("steady", 100, 10.0))


class PollingWorker(Worker):
    """The baseline: sleeps the whole poll interval whatever falls due meanwhile."""

    async def _idle_seconds(self) -> float:
        return self.poll_seconds


@dataclass(frozen=True)
class Result:
    p50: float
    p99: float
    worst: float


async def noop(db: Database, run: Run) -> RunOutcome:
    return RunOutcome()


async def succeeded(db: Database) -> int:
    count: int = await db.one(
        "RETURN count(SELECT VALUE id FROM schedule_run WHERE status = 'succeeded')"
    )
    return count


async def measure(load: Load, worker_class: type[Worker]) -> Result:
    async with connect(Settings(db_url="mem://")) as db:
        await migrate(db)
        from campaigns import service as campaigns
        from campaigns import wiring
        from campaigns.models import Brief, CampaignCreate

        wiring.register()
        campaign = await campaigns.create(
            db,
            CampaignCreate(name="bench", brief=Brief(goal="g"), segment="all", channels=["email"]),
        )
        clock = SystemClock()
        later = clock.now() + timedelta(days=3)
        for n in range(SCHEDULES - load.due):
            at = later + timedelta(seconds=n)
            await service.create(db, ScheduleCreate(target=campaign.id, at=at), clock=clock)
        # After creating them, with room for a busy machine (5 ms a schedule).
        start = clock.now() + timedelta(seconds=1 + load.due * 0.005)
        for n in range(load.due):
            at = start + timedelta(seconds=load.spread_seconds * n / load.due)
            await service.create(db, ScheduleCreate(target=campaign.id, at=at), clock=clock)
        workers = [
            worker_class(
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
        # A cheap progress check: reading every run while they are claimed would slow the
        # workers down and inflate what is measured.
        while await succeeded(db) < load.due:
            await asyncio.sleep(0.25)
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)
        runs = await service.runs(db, limit=SCHEDULES)
    latencies = sorted(
        (r.claimed_at - r.due_at).total_seconds() * 1000 for r in runs if r.claimed_at
    )
    q = statistics.quantiles(latencies, n=100)
    return Result(p50=q[49], p99=q[98], worst=latencies[-1])


async def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    print(f"{SCHEDULES} schedules, {WORKERS} workers polling every {POLL_SECONDS * 1000:.0f} ms")
    for load in LOADS:
        base = await measure(load, PollingWorker)
        new = await measure(load, Worker)
        print(
            f"{load.name:6} ({load.due} due over {load.spread_seconds:.0f} s): "
            f"baseline p50 {base.p50:.0f} ms p99 {base.p99:.0f} ms max {base.worst:.0f} ms · "
            f"now p50 {new.p50:.0f} ms p99 {new.p99:.0f} ms max {new.worst:.0f} ms · "
            f"ratio p50 {new.p50 / base.p50:.2f} p99 {new.p99 / base.p99:.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
