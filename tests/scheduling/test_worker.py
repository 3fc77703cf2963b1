"""The worker loop with a fake clock and fake jobs: outcomes, leases, retries, shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from crm.db import Database
from factories import make_campaign, make_schedule
from scheduling import service
from scheduling.clock import FakeClock
from scheduling.models import Run, RunOutcome, RunStatus
from scheduling.service import ClaimPolicy
from scheduling.worker import Worker

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LEASE = 60.0


class FakeJob:
    """Records every call; `gate` (when set) holds each call until it is opened."""

    def __init__(self, *, fail_times: int = 0, gate: bool = False) -> None:
        self.calls: list[Run] = []
        self.fail_times = fail_times
        self.gate = asyncio.Event()
        if not gate:
            self.gate.set()
        self.entered = asyncio.Event()

    async def __call__(self, db: Database, run: Run) -> RunOutcome:
        self.calls.append(run)
        self.entered.set()
        await self.gate.wait()
        if len(self.calls) <= self.fail_times:
            raise RuntimeError("smtp down")
        return RunOutcome(counts={"sent": 2}, cost=0.5)


def worker(db: Database, job: FakeJob, clock: FakeClock, owner: str = "w1", **kw: float) -> Worker:
    return Worker(
        db,
        job,
        policy=ClaimPolicy(owner=owner, lease_seconds=LEASE),
        clock=clock,
        poll_seconds=kw.pop("poll_seconds", 5.0),
        concurrency=int(kw.pop("concurrency", 4)),
        shutdown_grace_seconds=kw.pop("shutdown_grace_seconds", 30.0),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def eventually(check: Callable[[], Awaitable[bool] | bool]) -> None:
    """Let other tasks (and the database) work until `check` holds; a safety stop, not a timer."""
    async with asyncio.timeout(10):
        while True:
            result = check()
            if await result if isinstance(result, Awaitable) else result:
                return
            await asyncio.sleep(0.001)


async def only_run(db: Database) -> Run:
    [run] = await service.runs(db)
    return run


class TestOutcomes:
    async def test_runs_a_due_occurrence_and_records_it(
        self, db: Database, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock)
        job = FakeJob()
        w = worker(db, job, clock)
        assert await w.tick() == []

        await clock.advance(3600)
        await w.tick()
        await w.wait_idle()

        run = await only_run(db)
        assert [c.id for c in job.calls] == [run.id]
        assert not job.calls[0].resuming
        assert (run.status, run.counts, run.cost) == (RunStatus.SUCCEEDED, {"sent": 2}, 0.5)

    async def test_runs_ending_together_are_all_recorded(
        self, db: Database, clock: FakeClock
    ) -> None:
        campaign = await make_campaign(db)
        for _ in range(6):
            await make_schedule(db, clock=clock, target=campaign.id)
        job = FakeJob(gate=True)
        w = worker(db, job, clock, concurrency=6)
        await clock.advance(3600)
        assert len(await w.tick()) == 6

        job.gate.set()  # all six end at once
        await w.wait_idle()

        runs = await service.runs(db, limit=10)
        assert sorted(c.id for c in job.calls) == sorted(r.id for r in runs)
        assert {(r.status, r.cost, r.finished_at) for r in runs} == {
            (RunStatus.SUCCEEDED, 0.5, clock.now())
        }

    async def test_a_failure_is_retried_through_the_resume_path(
        self, db: Database, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock, retry_seconds=30)
        job = FakeJob(fail_times=1)
        w = worker(db, job, clock)
        await clock.advance(3600)
        await w.tick()
        await w.wait_idle()
        assert (await only_run(db)).status is RunStatus.RETRYING
        assert "RuntimeError: smtp down" in str((await only_run(db)).error)

        await clock.advance(30)
        await w.tick()
        await w.wait_idle()

        assert [c.resuming for c in job.calls] == [False, True]
        assert (await only_run(db)).status is RunStatus.SUCCEEDED

    async def test_never_more_runs_than_its_concurrency(
        self, db: Database, clock: FakeClock
    ) -> None:
        for _ in range(5):
            await make_schedule(db, clock=clock)
        job = FakeJob(gate=True)
        w = worker(db, job, clock, concurrency=2)
        await clock.advance(3600)

        assert len(await w.tick()) == 2
        assert await w.tick() == []
        job.gate.set()
        await w.wait_idle()
        assert len(await w.tick()) == 2


class TestLeases:
    async def test_a_long_run_keeps_its_lease(self, db: Database, clock: FakeClock) -> None:
        await make_schedule(db, clock=clock)
        job = FakeJob(gate=True)
        w1 = worker(db, job, clock, "w1")
        await clock.advance(3600)
        await w1.tick()
        await job.entered.wait()

        for _ in range(10):  # 200 s, more than three leases
            await clock.advance(LEASE / 3)
            # Renewed during this step: it runs past the next one too.
            fresh = clock.now() + timedelta(seconds=LEASE / 3)

            async def renewed(fresh: datetime = fresh) -> bool:
                lease_until = (await only_run(db)).lease_until
                return lease_until is not None and lease_until > fresh

            await eventually(renewed)
            # ... and its heartbeat sleeps again, so the next step wakes it.
            await eventually(lambda fresh=fresh: fresh in clock.deadlines)
            assert await service.claim(db, ClaimPolicy("w2"), clock=clock, limit=1) == []
        job.gate.set()
        await w1.wait_idle()

        assert (await only_run(db)).status is RunStatus.SUCCEEDED

    async def test_a_stalled_worker_stops_when_its_run_was_taken_over(
        self, db: Database, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock)
        job = FakeJob(gate=True)
        w1 = worker(db, job, clock, "w1")
        await clock.advance(3600)
        await w1.tick()
        await job.entered.wait()
        # Another machine's clock: w1 has not renewed for longer than the lease.
        elsewhere = FakeClock(clock.now() + timedelta(seconds=LEASE + 1))
        [taken] = await service.claim(db, ClaimPolicy("w2"), clock=elsewhere, limit=1)

        await clock.advance(LEASE / 3)  # w1's heartbeat finds the run is no longer its own
        await w1.wait_idle()

        run = await only_run(db)
        assert (run.status, run.owner, run.attempts) == (RunStatus.RUNNING, "w2", 2)
        assert taken.resuming


class TestShutdown:
    async def test_stop_lets_running_work_finish(self, db: Database, clock: FakeClock) -> None:
        await make_schedule(db, clock=clock)
        job = FakeJob(gate=True)
        w = worker(db, job, clock, poll_seconds=5)
        loop = asyncio.create_task(w.run())
        await clock.advance(3600)
        await job.entered.wait()

        w.stop()
        await clock.advance(10)  # within the 30 s grace
        job.gate.set()
        await loop

        assert (await only_run(db)).status is RunStatus.SUCCEEDED

    async def test_stop_releases_what_does_not_finish_in_time(
        self, db: Database, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock)
        job = FakeJob(gate=True)
        w1 = worker(db, job, clock, "w1")
        loop = asyncio.create_task(w1.run())
        await clock.advance(3600)
        await job.entered.wait()

        w1.stop()
        grace_ends = clock.now() + timedelta(seconds=30)
        await eventually(lambda: grace_ends in clock.deadlines)  # the drain started its timer
        await clock.advance(31)
        await loop

        released = await only_run(db)
        assert (released.status, released.owner, released.failures) == (RunStatus.RUNNING, None, 0)
        # The next worker resumes it at once, without waiting for a lease to run out.
        job2 = FakeJob()
        w2 = worker(db, job2, clock, "w2")
        await w2.tick()
        await w2.wait_idle()
        assert [c.resuming for c in job2.calls] == [True]
        assert (await only_run(db)).status is RunStatus.SUCCEEDED

    async def test_a_killed_worker_is_replaced_after_its_lease(
        self, db: Database, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock)
        job = FakeJob(gate=True)
        w1 = worker(db, job, clock, "w1")
        loop = asyncio.create_task(w1.run())
        await clock.advance(3600)
        await job.entered.wait()

        loop.cancel()  # like kill -9: nothing more is written by w1
        with pytest.raises(asyncio.CancelledError):
            await loop
        job2 = FakeJob()
        w2 = worker(db, job2, clock, "w2")
        assert await w2.tick() == []
        await clock.advance(LEASE)
        await w2.tick()
        await w2.wait_idle()

        run = await only_run(db)
        assert (run.status, run.workers, run.failures) == (RunStatus.SUCCEEDED, ["w1", "w2"], 1)
        assert [c.resuming for c in job2.calls] == [True]


class TestDailyRunsAcrossDST:
    @pytest.mark.parametrize(
        ("tz", "start", "utc_hours"),
        [
            ("Europe/Berlin", datetime(2026, 3, 27, 12, tzinfo=UTC), [8, 7, 7]),
            ("Europe/Berlin", datetime(2026, 10, 23, 12, tzinfo=UTC), [7, 8, 8]),
            ("America/New_York", datetime(2026, 3, 6, 18, tzinfo=UTC), [14, 13, 13]),
            ("America/New_York", datetime(2026, 10, 30, 18, tzinfo=UTC), [13, 14, 14]),
        ],
    )
    async def test_each_day_at_nine_local(
        self, db: Database, tz: str, start: datetime, utc_hours: list[int]
    ) -> None:
        clock = FakeClock(start)
        await make_schedule(db, clock=clock, cron="0 9 * * *", tz=tz)
        job = FakeJob()
        w = worker(db, job, clock)

        for _ in range(3 * 24 * 4):  # three days, polled every 15 minutes
            await clock.advance(900)
            await w.tick()
            await w.wait_idle()

        due = sorted(r.due_at for r in await service.runs(db))
        assert [d.hour for d in due] == utc_hours
        assert [c.due_at for c in job.calls] == due


async def test_an_idle_worker_wakes_when_the_next_occurrence_falls_due(
    db: Database, clock: FakeClock
) -> None:
    schedule = await make_schedule(db, clock=clock, at=datetime(2026, 1, 5, 8, 0, 20))
    job = FakeJob()
    w = worker(db, job, clock, poll_seconds=300.0)
    loop = asyncio.create_task(w.run())
    await eventually(lambda: bool(clock.deadlines))

    assert clock.deadlines == [schedule.next_due_at]  # not the 5-minute poll
    await clock.advance(20)
    await eventually(lambda: bool(job.calls))
    w.stop()
    await loop
    assert [run.schedule for run in job.calls] == [schedule.id]
