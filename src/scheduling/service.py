"""Schedules' use cases, and the claim protocol workers follow.

A worker holds a run through a lease (`owner`, `lease_until`) that it renews while the job
runs. Every change to a held run is conditional on still holding it, so a worker that stalled
past its lease cannot overwrite the worker that took the run over.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crm.db import Database
from kernel.errors import Conflict, NotFound, ValidationFailed
from kernel.logs import get_logger
from scheduling import kinds, repository
from scheduling.clock import Clock
from scheduling.models import (
    Missed,
    Run,
    RunOutcome,
    RunStatus,
    Schedule,
    ScheduleCreate,
    ScheduleState,
)
from scheduling.recurrence import check_cron, localize, next_cron, zone

log = get_logger(__name__)


@dataclass(frozen=True)
class ClaimPolicy:
    owner: str
    lease_seconds: float = 60.0
    # An occurrence claimed later than this after its due time was missed (no worker was up).
    misfire_grace_seconds: float = 300.0


# ---------------------------------------------------------------------------------------------
# Schedules


async def create(db: Database, data: ScheduleCreate, *, clock: Clock) -> Schedule:
    zone(data.tz)
    await kinds.get(data.kind).check_target(db, data.target)
    now = clock.now()
    row: dict[str, Any] = {
        **data.model_dump(mode="json", exclude={"at", "cron"}),
        "state": ScheduleState.ACTIVE.value,
        "created_at": now,
        "updated_at": now,
    }
    if data.cron is not None:
        row["cron"] = check_cron(data.cron)
        row["next_due_at"] = next_cron(row["cron"], data.tz, now)
    else:
        assert data.at is not None  # the model allows exactly one of at and cron
        at = localize(data.at, data.tz).replace(microsecond=0)
        if at <= now:
            raise ValidationFailed(
                f"{data.at.isoformat()} ({data.tz}) is in the past",
                details={"at": at.isoformat()},
            )
        row["at"] = at
        row["next_due_at"] = at
    schedule = Schedule.model_validate(await repository.create(db, row))
    log.info(
        "campaigns.schedule_created",
        schedule=schedule.id,
        kind=schedule.kind,
        target=schedule.target,
        next_due_at=schedule.next_due_at,
    )
    return schedule


async def get(db: Database, key: str) -> Schedule | None:
    row = await repository.get(db, key)
    return Schedule.model_validate(row) if row else None


async def require(db: Database, key: str) -> Schedule:
    schedule = await get(db, key)
    if schedule is None:
        raise NotFound(f"no schedule {key!r}", details={"id": key})
    return schedule


async def list_schedules(
    db: Database, *, kind: str | None = None, target: str | None = None
) -> list[Schedule]:
    rows = await repository.list_schedules(db, kind=kind, target=target)
    return [Schedule.model_validate(r) for r in rows]


async def pause(db: Database, key: str, *, clock: Clock) -> Schedule:
    """No new occurrence starts while paused; a run in progress or awaiting a retry goes on."""
    return await _move(db, key, ScheduleState.ACTIVE, ScheduleState.PAUSED, {}, clock)


async def resume(db: Database, key: str, *, clock: Clock) -> Schedule:
    """Recurring schedules continue with the next occurrence after now (a pause is not a miss);
    a one-time schedule keeps its time, and runs at once under its missed-run policy if that
    time passed while paused."""
    schedule = await require(db, key)
    changes = {}
    if schedule.cron is not None:
        changes["next_due_at"] = next_cron(schedule.cron, schedule.tz, clock.now())
    return await _move(db, key, ScheduleState.PAUSED, ScheduleState.ACTIVE, changes, clock)


async def _move(
    db: Database,
    key: str,
    source: ScheduleState,
    target: ScheduleState,
    changes: dict[str, Any],
    clock: Clock,
) -> Schedule:
    row = await repository.change_state(
        db,
        key,
        from_state=source.value,
        changes={**changes, "state": target.value, "updated_at": clock.now()},
    )
    if row is None:
        current = await require(db, key)
        raise Conflict(
            f"schedule {key} is {current.state}, not {source}",
            details={"id": key, "state": current.state},
        )
    log.info("campaigns.schedule_" + target.value, schedule=key)
    return Schedule.model_validate(row)


async def delete(db: Database, key: str, *, clock: Clock) -> None:
    if not await repository.delete(db, key, clock.now()):
        raise NotFound(f"no schedule {key!r}", details={"id": key})
    log.info("campaigns.schedule_deleted", schedule=key)


async def runs(
    db: Database,
    *,
    schedule: str | None = None,
    kind: str | None = None,
    target: str | None = None,
    limit: int = 20,
) -> list[Run]:
    rows = await repository.runs(db, schedule=schedule, kind=kind, target=target, limit=limit)
    return [Run.model_validate(r) for r in rows]


async def next_due(db: Database, *, clock: Clock) -> datetime | None:
    """When the next occurrence falls due (None: nothing is scheduled)."""
    return await repository.next_due(db, clock.now())


async def get_run(db: Database, key: str) -> Run | None:
    row = await repository.get_run(db, key)
    return Run.model_validate(row) if row else None


# ---------------------------------------------------------------------------------------------
# Claims


async def claim(db: Database, policy: ClaimPolicy, *, clock: Clock, limit: int) -> list[Run]:
    """Up to `limit` runs for this worker: interrupted or retrying runs first, then due
    occurrences, as many as there are free places in one transaction. Candidates are shuffled
    so workers polling together rarely pick the same ones; those lost to another worker are
    replaced from the remaining candidates."""
    claimed: list[Run] = []
    now = clock.now()
    stale, rows = await repository.candidates(db, now, limit * 4)
    random.shuffle(stale)
    for key in stale:
        if len(claimed) >= limit:
            return claimed
        run = await _take(db, key, policy, now)
        if run is not None:
            claimed.append(run)
    due = [Schedule.model_validate(row) for row in rows]
    random.shuffle(due)
    while due and len(claimed) < limit:
        wanted = limit - len(claimed)
        claimed += await _claim_occurrences(db, due[:wanted], policy, now)
        due = due[wanted:]
    return claimed


async def _take(db: Database, key: str, policy: ClaimPolicy, now: datetime) -> Run | None:
    lease_until = now + timedelta(seconds=policy.lease_seconds)
    row = await repository.take(db, key, owner=policy.owner, now=now, lease_until=lease_until)
    if row is None:
        return None  # another worker was faster
    run = Run.model_validate(row)
    if run.failures >= run.max_attempts:
        # Its workers kept dying mid-run: stop handing it out.
        await _finish(
            db, run, policy.owner, now, RunStatus.FAILED, error="lease lost too many times"
        )
        return None
    log.info(
        "campaigns.schedule_resumed",
        run=run.id,
        worker=policy.owner,
        attempt=run.attempts,
        after_failures=run.failures,
    )
    return run


async def _claim_occurrences(
    db: Database, schedules: list[Schedule], policy: ClaimPolicy, now: datetime
) -> list[Run]:
    """Claim these schedules' due occurrences at once; returns the runs this worker now runs."""
    plans = [_occurrence(schedule, policy, now) for schedule in schedules]
    made = await repository.claim_occurrences(db, plans)
    claimed = []
    for row in made:
        run = Run.model_validate(row)
        skip = run.status is RunStatus.SKIPPED
        log.info(
            "campaigns.schedule_skipped" if skip else "campaigns.schedule_claimed",
            schedule=run.schedule,
            run=run.id,
            worker=policy.owner,
            due_at=run.due_at,
            late=run.late,
            latency_ms=round((now - run.due_at).total_seconds() * 1000),
        )
        if not skip:
            claimed.append(run)
    return claimed


def _occurrence(schedule: Schedule, policy: ClaimPolicy, now: datetime) -> dict[str, Any]:
    """What claiming a schedule's due occurrence writes (see `repository.claim_occurrences`)."""
    assert schedule.next_due_at is not None  # only schedules with a due time are due
    due_at = schedule.next_due_at
    late = (now - due_at).total_seconds() > policy.misfire_grace_seconds
    skip = late and schedule.missed is Missed.SKIP
    # Never a burst: whatever was missed collapses into this one occurrence, and the schedule
    # moves on to the first occurrence after now.
    advance: dict[str, Any] = {"updated_at": now}
    if schedule.cron is not None:
        advance["next_due_at"] = next_cron(schedule.cron, schedule.tz, now)
    else:
        advance.update(next_due_at=None, state=ScheduleState.DONE.value)
    run: dict[str, Any] = {
        "kind": schedule.kind.value,
        "target": schedule.target,
        "late": late,
        "max_attempts": schedule.max_attempts,
        "retry_seconds": schedule.retry_seconds,
        "repeat": schedule.repeat,
        "claimed_at": now,
    }
    if skip:
        run.update(status=RunStatus.SKIPPED.value, finished_at=now)
    else:
        run.update(
            status=RunStatus.RUNNING.value,
            owner=policy.owner,
            lease_until=now + timedelta(seconds=policy.lease_seconds),
            attempts=1,
            started_at=now,
            workers=[policy.owner],
        )
    return {"schedule": schedule.id, "due_at": due_at, "advance": advance, "run": run}


async def renew(db: Database, run: Run, policy: ClaimPolicy, *, clock: Clock) -> bool:
    """Extend the lease; False when it was lost (the worker must stop working on the run)."""
    until = clock.now() + timedelta(seconds=policy.lease_seconds)
    row = await repository.update_owned(
        db, run.id, owner=policy.owner, changes={"lease_until": until}
    )
    return row is not None


async def succeed(
    db: Database, run: Run, policy: ClaimPolicy, outcome: RunOutcome, *, clock: Clock
) -> Run | None:
    return (await succeed_all(db, [(run, outcome)], policy, clock=clock))[0]


async def succeed_all(
    db: Database, outcomes: list[tuple[Run, RunOutcome]], policy: ClaimPolicy, *, clock: Clock
) -> list[Run | None]:
    """Record several runs' success in one transaction (runs of a worker that ended together);
    None for a run whose lease was lost."""
    now = clock.now()
    rows = await repository.update_all_owned(
        db,
        {
            run.id: _finished(RunStatus.SUCCEEDED, now, counts=outcome.counts, cost=outcome.cost)
            for run, outcome in outcomes
        },
        owner=policy.owner,
    )
    finished: list[Run | None] = []
    for run, outcome in outcomes:
        row = rows[run.id]
        if row is None:
            log.warning("campaigns.schedule_lease_lost", run=run.id, worker=policy.owner)
            finished.append(None)
            continue
        log.info(
            "campaigns.schedule_run_succeeded",
            run=run.id,
            worker=policy.owner,
            counts=outcome.counts,
            cost=outcome.cost,
        )
        finished.append(Run.model_validate(row))
    return finished


async def fail(
    db: Database, run: Run, policy: ClaimPolicy, error: str, *, clock: Clock
) -> Run | None:
    """Schedule a retry with exponential backoff, or give up after `max_attempts` failures."""
    now = clock.now()
    failures = run.failures + 1
    if failures >= run.max_attempts:
        finished = await _finish(
            db, run, policy.owner, now, RunStatus.FAILED, error=error, failures=failures
        )
        log.error("campaigns.schedule_run_failed", run=run.id, worker=policy.owner, error=error)
        return finished
    delay = run.retry_seconds * 2 ** (failures - 1)
    row = await repository.update_owned(
        db,
        run.id,
        owner=policy.owner,
        changes={
            "status": RunStatus.RETRYING.value,
            "owner": None,
            "lease_until": None,
            "failures": failures,
            "error": error,
            "retry_at": now + timedelta(seconds=delay),
        },
    )
    log.warning(
        "campaigns.schedule_run_retrying",
        run=run.id,
        worker=policy.owner,
        failures=failures,
        retry_in_seconds=delay,
        error=error,
    )
    return Run.model_validate(row) if row else None


async def release(db: Database, run: Run, policy: ClaimPolicy, *, clock: Clock) -> bool:
    """Hand a run back at once (graceful shutdown): the next worker to poll resumes it, and
    since the lease had no owner when it ended, no failed attempt is counted."""
    row = await repository.update_owned(
        db, run.id, owner=policy.owner, changes={"owner": None, "lease_until": clock.now()}
    )
    log.info("campaigns.schedule_released", run=run.id, worker=policy.owner, released=bool(row))
    return row is not None


async def _finish(
    db: Database,
    run: Run,
    owner: str,
    now: datetime,
    status: RunStatus,
    **fields: Any,
) -> Run | None:
    row = await repository.update_owned(
        db, run.id, owner=owner, changes=_finished(status, now, **fields)
    )
    if row is None:
        log.warning("campaigns.schedule_lease_lost", run=run.id, worker=owner)
        return None
    return Run.model_validate(row)


def _finished(status: RunStatus, now: datetime, **fields: Any) -> dict[str, Any]:
    return {**fields, "status": status.value, "finished_at": now, "lease_until": None}
