"""What an occurrence runs: the production `Job`, and which targets can be scheduled.

Services are imported inside the functions: the worker module stays importable without the
executor's dependencies, and `crm --help` does not load any of this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm.db import Database
from kernel.errors import ValidationFailed
from scheduling.models import Kind, Run, RunOutcome

if TYPE_CHECKING:
    from kernel.settings import Settings
    from scheduling.worker import Job


async def check_target(db: Database, kind: Kind, target: str) -> None:
    """Raise NotFound unless the campaign (or the enrichment run's segment) exists."""
    if kind is Kind.CAMPAIGN:
        from campaigns import service as campaigns

        await campaigns.require(db, target)
    elif target:
        from crm.segments import service as segments

        await segments.require(db, target)


def production_job(settings: Settings) -> Job:
    async def run_occurrence(db: Database, run: Run) -> RunOutcome:
        if run.kind is Kind.CAMPAIGN:
            return await run_campaign(db, run, settings)
        return await run_enrichment(db, run)

    return run_occurrence


async def run_campaign(db: Database, run: Run, settings: Settings) -> RunOutcome:
    """Start this occurrence's round (campaigns.rounds), or resume it when an earlier attempt
    of this occurrence started it.

    Exactly-once delivery is the executor's: each delivery is claimed in the database before
    it is sent, and `resume` re-queues or flags for review what a dead executor left half-done.
    """
    from campaigns import executor, rounds
    from campaigns import service as campaigns
    from campaigns.models import State

    campaign = await campaigns.require(db, run.target)
    ours = campaign.scheduled_run == run.id
    if not (ours and campaign.state in (State.RUNNING, State.PAUSED)):
        round_key = run.id if run.repeat else rounds.SHARED
        campaign = await rounds.start(db, campaign.id, round_key=round_key, scheduled_run=run.id)
    # Either the round was just started, or an earlier attempt of this occurrence started it
    # and has lost its lease, so its executor is gone even when it ran in this process (where
    # the executor's own pid check cannot tell): forcing the resume is safe.
    report = await executor.resume(db, campaign.id, settings, executor.Options(force=True))
    if report.state is not State.COMPLETED:
        # Paused by send errors or retryable failures: fail this attempt, so the schedule's
        # retry policy resumes it later.
        raise ValidationFailed(
            f"campaign {campaign.id} stopped: {report.reason or report.state}",
            details=report.as_dict(),
        )
    return RunOutcome.from_report(report.as_dict())


async def run_enrichment(db: Database, run: Run) -> RunOutcome:
    """Deterministic enrichment of the segment (every contact when the target is empty); a
    re-run skips contacts already enriched from the same inputs, so retrying is cheap."""
    from crm.enrichment import service as enrichment
    from crm.enrichment.models import RunOptions

    report = await enrichment.run(db, RunOptions(segment=run.target or None))
    return RunOutcome.from_report(report.model_dump())
