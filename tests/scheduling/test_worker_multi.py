"""Several workers on one database: every occurrence runs once, and a killed worker's runs
finish elsewhere without a repeated delivery.

The workers are tasks in one process sharing one `Database`: the embedded engine is locked to
one process (a second gets DatabaseLocked) and no SurrealDB server is available here. They
share nothing else (own ids, own loops, no in-process coordination), so every exclusion below
is decided by the database, exactly as it would be for processes against a server.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crm.db import Database, record
from factories import make_campaign, make_schedule
from kernel.errors import Conflict
from kernel.settings import Settings
from scheduling import service
from scheduling.clock import FakeClock
from scheduling.models import Run, RunOutcome, RunStatus
from scheduling.service import ClaimPolicy
from scheduling.worker import Worker

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
ITEMS = 5  # "deliveries" per run
LEASE = 60.0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The file engine, as users run it: the in-memory one loses an update now and then under
    concurrent transactions (tests/crm/test_db.py), which is what these tests rule out."""
    return Settings(db_url=f"surrealkv://{tmp_path}/crm.db")


class DeliveringJob:
    """Sends ITEMS messages per run, each claimed in the database first (as the executor does),
    so a resumed run sends only what is left. `sent` counts real sends per message."""

    def __init__(self, *, total_runs: int) -> None:
        self.sent: Counter[str] = Counter()
        self.calls: list[tuple[str, Run]] = []
        self.total_runs = total_runs
        self.finished = 0
        self.all_done = asyncio.Event()
        self.hang_after: dict[str, int] = {}  # worker -> stop for good after this many sends
        self.wedged = 0

    def for_worker(self, owner: str) -> object:
        async def job(db: Database, run: Run) -> RunOutcome:
            self.calls.append((owner, run))
            sent = 0
            for item in range(ITEMS):
                if owner in self.hang_after and len(self.sent) >= self.hang_after[owner]:
                    self.wedged += 1
                    await asyncio.Event().wait()  # wedged between two messages until killed
                key = f"{run.id}_{item}"
                try:
                    await db.query(
                        "CREATE $id CONTENT {run: $run}",
                        {"id": record("fake_delivery", key), "run": run.id},
                    )
                except Conflict:
                    continue  # sent by an earlier attempt
                self.sent[key] += 1
                sent += 1
            self.finished += 1
            if self.finished == self.total_runs:
                self.all_done.set()
            return RunOutcome(counts={"sent": sent})

        return job


def start_workers(db: Database, job: DeliveringJob, clock: FakeClock, owners: list[str]) -> dict:
    tasks = {}
    for owner in owners:
        worker = Worker(
            db,
            job.for_worker(owner),  # type: ignore[arg-type]
            policy=ClaimPolicy(owner=owner, lease_seconds=LEASE),
            clock=clock,
            poll_seconds=5,
            concurrency=4,
        )
        tasks[owner] = (worker, asyncio.create_task(worker.run()))
    return tasks


async def settled(tasks: dict) -> None:
    await asyncio.gather(*(worker.wait_idle() for worker, _ in tasks.values()))


async def parked(clock: FakeClock, tasks: dict) -> None:
    """Until every worker waits for its next poll, so moving time wakes all of them."""
    while len(clock.deadlines) < len(tasks):
        await asyncio.sleep(0.001)


async def stop_all(tasks: dict) -> None:
    for worker, _ in tasks.values():
        worker.stop()
    await asyncio.gather(*(t for _, t in tasks.values()), return_exceptions=True)


async def test_three_workers_run_each_occurrence_once(db: Database) -> None:
    clock = FakeClock(START)
    campaign = await make_campaign(db)
    for _ in range(100):
        await make_schedule(db, clock=clock, target=campaign.id, cron="0 * * * *")
    job = DeliveringJob(total_runs=300)
    tasks = start_workers(db, job, clock, ["w1", "w2", "w3"])

    async with asyncio.timeout(60):
        for hour in range(1, 4):  # three hourly occurrences of each schedule
            await parked(clock, tasks)
            await clock.advance(3600)
            while job.finished < 100 * hour:
                await asyncio.sleep(0.001)
            await settled(tasks)  # their outcomes are written before time moves on
        await job.all_done.wait()
    await stop_all(tasks)

    runs = await service.runs(db, limit=1000)
    assert len(runs) == 300
    assert {r.status for r in runs} == {RunStatus.SUCCEEDED}
    assert Counter(run.id for _, run in job.calls) == Counter({r.id: 1 for r in runs})
    assert set(job.sent.values()) == {1} and len(job.sent) == 300 * ITEMS
    # The work was shared, not done by one worker while the others idled.
    assert len({owner for owner, _ in job.calls}) == 3


async def test_a_killed_workers_runs_finish_elsewhere_without_repeats(db: Database) -> None:
    clock = FakeClock(START)
    campaign = await make_campaign(db)
    for _ in range(100):
        await make_schedule(db, clock=clock, target=campaign.id)
    job = DeliveringJob(total_runs=100)
    job.hang_after["w1"] = 7  # w1 wedges part-way through its runs
    tasks = start_workers(db, job, clock, ["w1", "w2", "w3"])

    async with asyncio.timeout(60):
        await parked(clock, tasks)
        await clock.advance(3600)
        worker1, task1 = tasks.pop("w1")
        while job.wedged < worker1.concurrency:  # every run w1 holds is part-way through
            await asyncio.sleep(0.001)
        stuck = [run.id for run in worker1.running]
        task1.cancel()  # killed mid-run: no release, its leases simply run out
        while job.finished < 100 - len(stuck):
            await asyncio.sleep(0.001)
        await settled(tasks)
        await parked(clock, tasks)
        await clock.advance(LEASE + 1)
        await job.all_done.wait()
    await stop_all(tasks)

    runs = {r.id: r for r in await service.runs(db, limit=1000)}
    assert len(runs) == 100
    assert {r.status for r in runs.values()} == {RunStatus.SUCCEEDED}
    assert stuck
    for key in stuck:
        assert runs[key].workers[0] == "w1" and runs[key].workers[1] in ("w2", "w3")
        assert (runs[key].attempts, runs[key].failures) == (2, 1)
    assert set(job.sent.values()) == {1} and len(job.sent) == 100 * ITEMS
