"""Schedules' lifecycle and the claim protocol, with time moved by a fake clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from crm.db import Database, record
from factories import make_campaign, make_schedule
from kernel.errors import Conflict, NotFound, ValidationFailed
from scheduling import repository, service
from scheduling.clock import FakeClock
from scheduling.models import (
    Kind,
    Missed,
    Run,
    RunOutcome,
    RunStatus,
    ScheduleCreate,
    ScheduleState,
)
from scheduling.service import ClaimPolicy

MONDAY_8 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_8)


def policy(owner: str = "w1", **fields: float) -> ClaimPolicy:
    return ClaimPolicy(owner=owner, **fields)


class TestCreate:
    async def test_recurring_gets_its_first_occurrence(
        self, db: Database, clock: FakeClock
    ) -> None:
        schedule = await make_schedule(db, clock=clock, cron="0 9 * * MON", tz="America/New_York")

        assert schedule.state is ScheduleState.ACTIVE
        assert schedule.next_due_at == datetime(2026, 1, 5, 14, 0, tzinfo=UTC)

    async def test_one_time_in_its_zone(self, db: Database, clock: FakeClock) -> None:
        schedule = await make_schedule(
            db, clock=clock, at=datetime(2026, 12, 1, 9, 0), tz="Europe/Berlin"
        )

        assert schedule.cron is None
        assert schedule.at == schedule.next_due_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    async def test_one_time_in_the_past_is_refused(self, db: Database, clock: FakeClock) -> None:
        with pytest.raises(ValidationFailed, match="in the past"):
            await make_schedule(db, clock=clock, at=datetime(2025, 1, 1, 9, 0))

    async def test_needs_exactly_one_timing(self) -> None:
        with pytest.raises(ValueError, match="exactly one"):
            ScheduleCreate(target="x", at=MONDAY_8, cron="0 9 * * *")
        with pytest.raises(ValueError, match="exactly one"):
            ScheduleCreate(target="x")

    async def test_unknown_campaign(self, db: Database, clock: FakeClock) -> None:
        with pytest.raises(NotFound):
            await make_schedule(db, clock=clock, target="nosuchcampaign")

    async def test_unknown_segment_for_enrichment(self, db: Database, clock: FakeClock) -> None:
        with pytest.raises(NotFound):
            await make_schedule(db, clock=clock, kind=Kind.ENRICHMENT, target="nosuchsegment")


class TestManage:
    async def test_list_by_target(self, db: Database, clock: FakeClock) -> None:
        campaign = await make_campaign(db)
        mine = await make_schedule(db, clock=clock, target=campaign.id)
        await make_schedule(db, clock=clock)

        found = await service.list_schedules(db, kind="campaign", target=campaign.id)

        assert [s.id for s in found] == [mine.id]
        assert len(await service.list_schedules(db)) == 2

    async def test_pause_then_resume_continues_after_now(
        self, db: Database, clock: FakeClock
    ) -> None:
        schedule = await make_schedule(db, clock=clock)
        await service.pause(db, schedule.id, clock=clock)
        await clock.advance(3 * 86400)  # three 09:00s pass while paused

        assert await service.claim(db, policy(), clock=clock, limit=5) == []
        resumed = await service.resume(db, schedule.id, clock=clock)

        assert resumed.state is ScheduleState.ACTIVE
        assert resumed.next_due_at == datetime(2026, 1, 8, 9, 0, tzinfo=UTC)

    async def test_pause_twice_is_a_conflict(self, db: Database, clock: FakeClock) -> None:
        schedule = await make_schedule(db, clock=clock)
        await service.pause(db, schedule.id, clock=clock)

        with pytest.raises(Conflict, match="is paused"):
            await service.pause(db, schedule.id, clock=clock)

    async def test_delete_keeps_history_and_cancels_waiting_retries(
        self, db: Database, clock: FakeClock
    ) -> None:
        schedule = await make_schedule(db, clock=clock)
        await clock.advance(3600)
        [run] = await service.claim(db, policy(), clock=clock, limit=1)
        await service.fail(db, run, policy(), "boom", clock=clock)

        await service.delete(db, schedule.id, clock=clock)

        assert await service.get(db, schedule.id) is None
        [kept] = await service.runs(db, schedule=schedule.id)
        assert kept.status is RunStatus.CANCELLED
        with pytest.raises(NotFound):
            await service.delete(db, schedule.id, clock=clock)


class TestClaim:
    async def test_nothing_before_the_due_time(self, db: Database, clock: FakeClock) -> None:
        await make_schedule(db, clock=clock)
        await clock.advance(3599)

        assert await service.claim(db, policy(), clock=clock, limit=5) == []

    async def test_an_occurrence_is_claimed_once(self, db: Database, clock: FakeClock) -> None:
        schedule = await make_schedule(db, clock=clock)
        await clock.advance(3600)

        [run] = await service.claim(db, policy("w1"), clock=clock, limit=5)
        again = await service.claim(db, policy("w2"), clock=clock, limit=5)

        assert again == []
        assert run.status is RunStatus.RUNNING
        assert (run.owner, run.attempts, run.due_at) == ("w1", 1, schedule.next_due_at)
        moved = await service.get(db, schedule.id)
        assert moved is not None
        assert moved.next_due_at == datetime(2026, 1, 6, 9, 0, tzinfo=UTC)

    async def test_racing_claims_have_one_winner(self, db: Database, clock: FakeClock) -> None:
        await make_schedule(db, clock=clock)
        await clock.advance(3600)

        results = await asyncio.gather(
            *(service.claim(db, policy(f"w{n}"), clock=clock, limit=1) for n in range(8))
        )

        assert sorted(len(r) for r in results) == [0] * 7 + [1]

    async def test_racing_workers_share_a_burst_without_repeats(
        self, db: Database, clock: FakeClock
    ) -> None:
        campaign = await make_campaign(db)
        made = [await make_schedule(db, clock=clock, target=campaign.id) for _ in range(50)]
        await clock.advance(3600)

        # 60 free places for 50 due occurrences: whatever one worker takes, the others fill
        # their places from the rest.
        results = await asyncio.gather(
            *(service.claim(db, policy(f"w{n}"), clock=clock, limit=20) for n in range(3))
        )

        claimed = [run for runs in results for run in runs]
        assert all(len(runs) <= 20 for runs in results)
        assert sorted(run.schedule for run in claimed) == sorted(s.id for s in made)
        assert len(await service.runs(db, limit=100)) == 50
        assert await service.claim(db, policy("w9"), clock=clock, limit=20) == []

    async def test_an_occurrence_whose_run_exists_moves_on_without_a_second_run(
        self, db: Database, clock: FakeClock
    ) -> None:
        schedule = await make_schedule(db, clock=clock, at=datetime(2026, 1, 5, 9, 0))
        await clock.advance(3600)
        [run] = await service.claim(db, policy("w1"), clock=clock, limit=1)
        # What a lost update in the engine leaves: the schedule still due at the claimed time.
        await db.query(
            "UPDATE $id SET state = 'active', next_due_at = $due",
            {"id": record("schedule", schedule.id), "due": run.due_at},
        )

        assert await service.claim(db, policy("w2"), clock=clock, limit=1) == []
        [only] = await service.runs(db, schedule=schedule.id)
        assert (only.id, only.owner) == (run.id, "w1")
        moved = await service.get(db, schedule.id)
        assert moved is not None
        assert moved.state is ScheduleState.DONE

    async def test_one_time_is_done_once_claimed(self, db: Database, clock: FakeClock) -> None:
        schedule = await make_schedule(db, clock=clock, at=datetime(2026, 1, 5, 9, 30))
        await clock.advance(5400)

        assert len(await service.claim(db, policy(), clock=clock, limit=5)) == 1
        done = await service.get(db, schedule.id)
        assert done is not None
        assert (done.state, done.next_due_at) == (ScheduleState.DONE, None)


class TestMissedRuns:
    async def test_catch_up_runs_once_however_many_were_missed(
        self, db: Database, clock: FakeClock
    ) -> None:
        schedule = await make_schedule(db, clock=clock, cron="*/5 * * * *")
        await clock.advance(3 * 3600)  # 36 occurrences while no worker was up

        claimed = await service.claim(db, policy(), clock=clock, limit=50)

        assert len(claimed) == 1
        assert claimed[0].late
        moved = await service.get(db, schedule.id)
        assert moved is not None
        assert moved.next_due_at == clock.now() + timedelta(minutes=5)

    async def test_skip_records_the_miss_and_waits_for_the_next(
        self, db: Database, clock: FakeClock
    ) -> None:
        schedule = await make_schedule(db, clock=clock, missed=Missed.SKIP)
        await clock.advance(2 * 86400)

        assert await service.claim(db, policy(), clock=clock, limit=5) == []
        [skipped] = await service.runs(db, schedule=schedule.id)
        assert (skipped.status, skipped.late, skipped.attempts) == (RunStatus.SKIPPED, True, 0)

    async def test_within_the_grace_it_is_not_missed(self, db: Database, clock: FakeClock) -> None:
        await make_schedule(db, clock=clock, missed=Missed.SKIP)
        await clock.advance(3600 + 299)

        [run] = await service.claim(db, policy(misfire_grace_seconds=300), clock=clock, limit=5)
        assert not run.late


class TestLeases:
    async def claimed(self, db: Database, clock: FakeClock, **fields: float) -> Run:
        await make_schedule(db, clock=clock)
        await clock.advance(3600)
        [run] = await service.claim(db, policy("w1", **fields), clock=clock, limit=1)
        return run

    async def test_a_held_lease_is_not_taken(self, db: Database, clock: FakeClock) -> None:
        run = await self.claimed(db, clock, lease_seconds=60)
        await clock.advance(50)
        assert await service.renew(db, run, policy("w1", lease_seconds=60), clock=clock)
        await clock.advance(50)  # 100 s after the claim, 50 s after the renewal

        assert await service.claim(db, policy("w2"), clock=clock, limit=1) == []

    async def test_an_expired_lease_is_taken_over_and_counts_as_a_failure(
        self, db: Database, clock: FakeClock
    ) -> None:
        run = await self.claimed(db, clock, lease_seconds=60)
        await clock.advance(61)

        [taken] = await service.claim(db, policy("w2"), clock=clock, limit=1)

        assert taken.id == run.id
        assert (taken.owner, taken.attempts, taken.failures) == ("w2", 2, 1)
        assert taken.resuming
        assert taken.workers == ["w1", "w2"]
        # The old owner can no longer touch it.
        assert not await service.renew(db, run, policy("w1"), clock=clock)
        assert await service.succeed(db, run, policy("w1"), RunOutcome(), clock=clock) is None

    async def test_a_released_run_is_resumed_at_once_without_a_failure(
        self, db: Database, clock: FakeClock
    ) -> None:
        run = await self.claimed(db, clock)
        assert await service.release(db, run, policy("w1"), clock=clock)

        [taken] = await service.claim(db, policy("w2"), clock=clock, limit=1)

        assert (taken.owner, taken.attempts, taken.failures) == ("w2", 2, 0)

    async def test_a_run_whose_workers_keep_dying_fails(
        self, db: Database, clock: FakeClock
    ) -> None:
        await self.claimed(db, clock, lease_seconds=60)
        for n in range(2, 4):
            await clock.advance(61)
            await service.claim(db, policy(f"w{n}"), clock=clock, limit=1)
        await clock.advance(61)

        assert await service.claim(db, policy("w9"), clock=clock, limit=1) == []
        [run] = await service.runs(db)
        assert (run.status, run.failures) == (RunStatus.FAILED, 3)
        assert run.error == "lease lost too many times"


class TestOutcome:
    async def test_success_records_counts_and_cost(self, db: Database, clock: FakeClock) -> None:
        await make_schedule(db, clock=clock)
        await clock.advance(3600)
        [run] = await service.claim(db, policy(), clock=clock, limit=1)
        await clock.advance(12)

        done = await service.succeed(
            db, run, policy(), RunOutcome(counts={"sent": 3, "failed": 1}, cost=0.25), clock=clock
        )

        assert done is not None
        assert done.status is RunStatus.SUCCEEDED
        assert (done.counts, done.cost) == ({"sent": 3, "failed": 1}, 0.25)
        assert done.finished_at is not None and done.started_at is not None
        assert done.finished_at - done.started_at == timedelta(seconds=12)

    async def test_failures_retry_with_backoff_then_fail(
        self, db: Database, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock, max_attempts=3, retry_seconds=10)
        await clock.advance(3600)
        [run] = await service.claim(db, policy(), clock=clock, limit=1)

        waiting = await service.fail(db, run, policy(), "smtp down", clock=clock)
        assert waiting is not None
        assert (waiting.status, waiting.failures) == (RunStatus.RETRYING, 1)
        assert waiting.retry_at == clock.now() + timedelta(seconds=10)
        await clock.advance(9)
        assert await service.claim(db, policy(), clock=clock, limit=1) == []
        await clock.advance(1)
        [second] = await service.claim(db, policy(), clock=clock, limit=1)
        assert second.resuming

        await service.fail(db, second, policy(), "smtp down", clock=clock)
        await clock.advance(20)  # the second retry waits twice as long
        [third] = await service.claim(db, policy(), clock=clock, limit=1)
        failed = await service.fail(db, third, policy(), "smtp still down", clock=clock)

        assert failed is not None
        assert (failed.status, failed.failures, failed.attempts) == (RunStatus.FAILED, 3, 3)
        assert failed.error == "smtp still down"


class TestNextDue:
    async def test_an_occurrence_is_due_within_its_own_second(
        self, db: Database, clock: FakeClock
    ) -> None:
        # The engine's index range once compared whole-second datetimes a second late.
        await make_schedule(db, clock=clock)
        await clock.advance(3600.3)

        assert len(await service.claim(db, policy(), clock=clock, limit=5)) == 1

    async def test_under_a_backlog_the_longest_overdue_come_first(
        self, db: Database, clock: FakeClock
    ) -> None:
        hours = [5, 1, 4, 2, 3]
        made = {h: await make_schedule(db, clock=clock, cron=f"0 {8 + h} * * *") for h in hours}
        await clock.advance(6 * 3600)

        # Claims pick among these candidates; the most overdue must be among them.
        _, candidates = await repository.candidates(db, clock.now(), 2)

        assert [row["id"] for row in candidates] == [made[1].id, made[2].id]

    async def test_the_next_due_time_is_the_earliest_active_one(
        self, db: Database, clock: FakeClock
    ) -> None:
        assert await service.next_due(db, clock=clock) is None
        soonest = await make_schedule(db, clock=clock, cron="30 8 * * *")
        paused = await make_schedule(db, clock=clock, cron="10 8 * * *")
        await make_schedule(db, clock=clock, cron="0 10 * * *")
        await service.pause(db, paused.id, clock=clock)

        assert await service.next_due(db, clock=clock) == soonest.next_due_at
