"""The campaign job kind: a scheduled occurrence starts (or resumes) a round of the campaign.

`campaigns.wiring.register()` makes it a kind of scheduled job.
"""

from __future__ import annotations

from collections.abc import Callable

from campaigns import executor, rounds, service
from campaigns.models import State
from crm.db import Database
from kernel.errors import ValidationFailed
from kernel.logs import get_logger
from kernel.settings import Settings
from scheduling.models import Run, RunOutcome

log = get_logger(__name__)


async def check_target(db: Database, target: str) -> None:
    await service.require(db, target)


async def run_round(db: Database, run: Run, settings: Settings) -> RunOutcome:
    """Start this occurrence's round (campaigns.rounds), or resume it when an earlier attempt
    of this occurrence started it.

    Exactly-once delivery is the executor's: each delivery is claimed in the database before
    it is sent, and `resume` re-queues or flags for review what a dead executor left half-done.
    """
    campaign = await service.require(db, run.target)
    ours = campaign.scheduled_run == run.id
    if not (ours and campaign.state in (State.RUNNING, State.PAUSED)):
        round_key = run.id if run.repeat else rounds.SHARED
        campaign = await rounds.start(db, campaign.id, round_key=round_key, scheduled_run=run.id)
    # Either the round was just started, or an earlier attempt of this occurrence started it
    # and has lost its lease, so its executor is gone even when it ran in this process (where
    # the executor's own pid check cannot tell): forcing the resume is safe.
    progress = _logged_progress(run, every=settings.send_batch_size)
    options = executor.Options(force=True, progress=progress)
    report = await executor.resume(db, campaign.id, settings, options)
    if report.state is not State.COMPLETED:
        # Paused by send errors or retryable failures: fail this attempt, so the schedule's
        # retry policy resumes it later.
        raise ValidationFailed(
            f"campaign {campaign.id} stopped: {report.reason or report.state}",
            details=report.as_dict(),
        )
    return RunOutcome.from_report(report.as_dict())


def _logged_progress(run: Run, *, every: int) -> Callable[[str, int], None]:
    """Log a round's progress each time another `every` messages of a channel are done."""
    done: dict[str, int] = {}

    def advance(channel: str, n: int) -> None:
        before = done.get(channel, 0)
        done[channel] = before + n
        if done[channel] // every > before // every:
            log.info(
                "campaigns.schedule_run_progress", run=run.id, channel=channel, done=done[channel]
            )

    return advance
