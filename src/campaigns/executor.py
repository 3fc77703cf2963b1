"""The executor: turns an approved campaign's delivery records into sent messages, once each.

    approve ─► delivery (queued) per (campaign, contact, channel), unique index
    per channel: producer ─► pages of queued deliveries ─► skip rules ─► work queue
                 workers  ─► claim a group (queued → sending, compare-and-set)
                          ─► per message: pace ─► render ─► send
                          ─► complete the group (sent | failed | review | queued for retry)

A delivery is claimed in the database before its message leaves and completed after, so a
crash (even kill -9) leaves it `sending`. `resume` re-queues those on channels where a repeat
is harmless (outbox files, HTTP with an idempotency key) and marks the rest `review`: an SMTP
server may or may not have accepted a message when the connection died, and a person decides
(`resolve_review`) rather than the executor sending a second copy.

A database round trip costs more than sending a message, so a worker claims up to
CRM_SEND_CLAIM_GROUP deliveries in one statement and writes their outcomes together with its
next claim. The price is the crash bound: at most concurrency x group deliveries per channel
are `sending` at any moment, and those are what `resume` has to recover. Of those, the run's
hand-off journal (`handoff`) tells which were never handed to the channel (queued again) and
which went out (sent), so only messages in flight at the crash need review. Cancelling a run
returns the claimed deliveries not yet handed to a channel to the queue.

This module starts, resumes and finishes runs; `queued` pages through the queued deliveries
and `sending` is one channel's producer and workers.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from campaigns import delivery_repository, eligibility, handoff, repository, service
from campaigns.channels.protocol import Channel, Context, Outcome, Outgoing
from campaigns.channels.registry import build, is_idempotent
from campaigns.models import Campaign, DeliveryState, State
from campaigns.pacing import Sleep
from campaigns.queued import pages
from campaigns.sending import ChannelRun, Progress, Tally
from campaigns.tracking import Tokens
from crm.db import Database
from kernel.errors import Conflict, ValidationFailed
from kernel.logs import get_logger
from kernel.processes import alive
from kernel.settings import Settings

log = get_logger(__name__)


@dataclass
class RunReport(Tally):
    campaign: str
    state: State
    reason: str | None = None
    dry_run: bool = False
    rendered: int = 0
    recovered: dict[str, int] = field(default_factory=dict)
    outbox: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.campaign,
            "state": self.state.value,
            "reason": self.reason,
            "dry_run": self.dry_run,
            "sent": self.sent,
            "rendered": self.rendered,
            "skipped": self.skipped,
            "failed": self.failed,
            "review": self.review,
            "retried": self.retried,
            "skip_reasons": self.skip_reasons,
            "recovered": self.recovered,
            "outbox": self.outbox,
        }


@dataclass
class Options:
    """How a run behaves; the defaults are for production, tests inject sleep and HTTP."""

    dry_run: bool = False
    stop: asyncio.Event | None = None
    progress: Progress | None = None
    sleep: Sleep = asyncio.sleep
    http: Any = None  # httpx.AsyncClient for webhook/social; made here when None
    force: bool = False


def _runner() -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "at": datetime.now(UTC).isoformat(),
    }


def runner_gone(campaign: Campaign) -> bool:
    """A `running` campaign whose executor process no longer exists (killed, crashed)."""
    runner = campaign.runner or {}
    if runner.get("host") != socket.gethostname():
        return False
    pid = runner.get("pid")
    return isinstance(pid, int) and pid != os.getpid() and not alive(pid)


async def run(
    db: Database, key: str, settings: Settings, options: Options | None = None
) -> RunReport:
    """`crm campaigns run`: start an approved campaign (or render it, with dry_run)."""
    options = options or Options()
    campaign = await service.require(db, key)
    if options.dry_run:
        return await _dry_run(db, campaign, settings, options)
    if campaign.state in (State.PAUSED, State.RUNNING):
        raise ValidationFailed(
            f"campaign {campaign.id} has already started ({campaign.state}); use resume",
            details={"state": campaign.state},
        )
    runner = _runner()
    campaign = await service.move(db, campaign, State.RUNNING, runner=runner)
    return await _execute(
        db, campaign, runner["id"], settings, options, RunReport(campaign.id, campaign.state)
    )


async def resume(
    db: Database, key: str, settings: Settings, options: Options | None = None
) -> RunReport:
    """`crm campaigns resume`: continue a paused campaign, or one whose executor died.

    Deliveries a dead executor left `sending` are recovered first (see the module docstring).
    """
    options = options or Options()
    campaign = await service.require(db, key)
    if campaign.state == State.RUNNING and not (options.force or runner_gone(campaign)):
        runner = campaign.runner or {}
        raise Conflict(
            f"campaign {campaign.id} is being executed by pid {runner.get('pid')} on "
            f"{runner.get('host')}; if that process is gone, resume with --force",
            details={"runner": runner},
        )
    if campaign.state not in (State.PAUSED, State.RUNNING):
        raise ValidationFailed(
            f"only a paused or interrupted campaign can be resumed; {campaign.id} is "
            f"{campaign.state}",
            details={"state": campaign.state},
        )
    runner = _runner()
    if campaign.state == State.PAUSED:
        campaign = await service.move(db, campaign, State.RUNNING, runner=runner)
    else:
        row = await repository.transition(
            db, campaign.id, [State.RUNNING], State.RUNNING, {"runner": runner}
        )
        if row is None:
            raise Conflict(f"campaign {campaign.id} changed state meanwhile")
        campaign = Campaign.model_validate(row)
    idempotent = [name for name in campaign.channels if is_idempotent(name, settings)]
    unsent, sent, journals = await _journaled(db, campaign.id, idempotent, settings)
    recovered = await delivery_repository.recover(db, campaign.id, idempotent, unsent, sent)
    for path in journals:
        path.unlink(missing_ok=True)
    log.info("campaigns.recovered", campaign=campaign.id, **recovered)
    report = RunReport(campaign.id, campaign.state, recovered=recovered)
    return await _execute(db, campaign, runner["id"], settings, options, report)


async def _journaled(
    db: Database, campaign: str, idempotent: list[str], settings: Settings
) -> tuple[list[str], list[str], list[Path]]:
    """Of the deliveries dead runs left `sending` on non-idempotent channels: those their
    journals (campaigns.handoff) say were never handed over, and those they say went out;
    and the journals read."""
    runs: dict[str, list[str]] = {}
    for key, run_id in await delivery_repository.left_sending(db, campaign, idempotent):
        runs.setdefault(run_id, []).append(key)
    unsent: list[str] = []
    sent: list[str] = []
    journals: list[Path] = []
    for run_id, keys in runs.items():
        path = handoff.journal_path(settings, run_id)
        journal = handoff.read(path)
        if journal is not None:
            unsent += [key for key in keys if key not in journal.handed]
            sent += [key for key in keys if key in journal.sent]
            journals.append(path)
    return unsent, sent, journals


async def _execute(
    db: Database,
    campaign: Campaign,
    run_id: str,
    settings: Settings,
    options: Options,
    report: RunReport,
) -> RunReport:
    stop = options.stop or asyncio.Event()
    async with _http(options) as http:
        ctx = Context(
            settings,
            Tokens(settings.signing_key()),
            campaign,
            settings.outbox_path / campaign.id,
            http=http,
        )
        report.outbox = str(ctx.outbox)
        channels: dict[str, Channel] = {}
        reasons: list[str] = []
        for name in campaign.channels:
            try:
                channels[name] = build(name, ctx)
            except ValidationFailed as exc:
                # Settings may have changed since approval. Failed as retryable, the channel's
                # deliveries are queued again by the resume that follows the fix.
                reasons.append(f"{name} channel not configured: {exc.message}")
                report.failed += await delivery_repository.fail_queued(
                    db, campaign.id, name, reasons[-1]
                )
        journal = handoff.Journal(handoff.journal_path(settings, run_id))
        runs = [
            ChannelRun(
                db,
                campaign,
                run_id,
                channel,
                settings,
                stop=stop,
                tally=report,
                journal=journal,
                sleep=options.sleep,
                progress=options.progress,
            )
            for channel in channels.values()
        ]
        ended = False
        try:
            await asyncio.gather(*(r.run() for r in runs))
            ended = True  # every outcome is written: the journal has served
        finally:
            journal.close(remove=ended)
            for channel in channels.values():
                await channel.aclose()
    reasons += [r.stop_reason for r in runs if r.stop_reason]
    return await _finish(db, campaign, report, reasons[0] if reasons else None)


async def _finish(
    db: Database, campaign: Campaign, report: RunReport, stop_reason: str | None
) -> RunReport:
    current = await service.require(db, campaign.id)
    if current.state != State.RUNNING:
        # Paused or cancelled from elsewhere while running: that state stands.
        report.state, report.reason = current.state, current.state_reason
        return report
    left: Counter[str] = Counter()
    for row in await delivery_repository.counts(db, campaign.id):
        left[row["state"]] += row["n"]
    queued, review = left[DeliveryState.QUEUED], left[DeliveryState.REVIEW]
    retryable = await delivery_repository.count_retryable(db, campaign.id)
    if stop_reason is None and queued:
        stop_reason = f"interrupted: {queued} deliveries still queued"
    if stop_reason is None and review:
        stop_reason = service.review_reason(review)
    if stop_reason is None and retryable:
        stop_reason = f"{retryable} deliveries failed with transient errors; resume retries them"
    target = State.PAUSED if stop_reason else State.COMPLETED
    done = await service.move(db, current, target, reason=stop_reason, runner=None)
    report.state, report.reason = done.state, done.state_reason
    log.info(
        "campaigns.run_finished",
        campaign=campaign.id,
        state=done.state,
        sent=report.sent,
        skipped=report.skipped,
        failed=report.failed,
        review=report.review,
    )
    return report


class _http:
    """The HTTP client webhook and social channels share; made here unless one is given."""

    def __init__(self, options: Options) -> None:
        self._given = options.http
        self._own: Any = None

    async def __aenter__(self) -> Any:
        if self._given is not None:
            return self._given
        import httpx

        self._own = httpx.AsyncClient(timeout=30.0)
        return self._own

    async def __aexit__(self, *exc: object) -> None:
        if self._own is not None:
            await self._own.aclose()


async def _dry_run(
    db: Database, campaign: Campaign, settings: Settings, options: Options
) -> RunReport:
    """Render every queued message into outbox/dry-run/<campaign> without sending anything or
    changing any record."""
    if campaign.state not in (State.APPROVED, State.PAUSED, State.RUNNING):
        raise ValidationFailed(
            f"approve campaign {campaign.id} first: a dry run renders its approved deliveries",
            details={"state": campaign.state},
        )
    outbox = settings.outbox_path / "dry-run" / campaign.id
    ctx = Context(settings, Tokens(settings.signing_key()), campaign, outbox)
    report = RunReport(campaign.id, campaign.state, dry_run=True, outbox=str(outbox))
    rules = eligibility.rules_for(
        campaign,
        require_consent=settings.require_consent,
        frequency_hours=settings.email_frequency_hours,
    )
    for name in campaign.channels:
        channel = build(name, ctx, dry_run=True)
        async for page in pages(db, campaign, name, rules, settings.send_batch_size):
            for reason in page.skipped.values():
                report.skip(reason)
            for work in page.works:
                item = Outgoing(work.delivery, name, campaign, work.contact, work.content)
                result = await channel.send(channel.render(item))
                if result.outcome == Outcome.SENT:
                    report.rendered += 1
                else:
                    report.failed += 1
            if options.progress is not None:
                options.progress(name, len(page.works) + len(page.skipped))
    return report
