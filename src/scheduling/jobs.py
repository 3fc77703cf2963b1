"""What an occurrence runs: the `Job` a worker calls, and the production one, which hands each
run to its kind's runner (`scheduling.kinds`)."""

from __future__ import annotations

from typing import Protocol

from crm.db import Database
from kernel.settings import Settings
from scheduling import kinds
from scheduling.models import Run, RunOutcome


class Job(Protocol):
    """Executes one occurrence. `run.resuming` says an earlier attempt may have done part of
    the work; the job must then continue it idempotently (the executor's resume path)."""

    async def __call__(self, db: Database, run: Run) -> RunOutcome: ...


def production_job(settings: Settings) -> Job:
    async def run_occurrence(db: Database, run: Run) -> RunOutcome:
        return await kinds.get(run.kind).run(db, run, settings)

    return run_occurrence
