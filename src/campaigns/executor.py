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
are `sending` at any moment, and those are what `resume` has to recover. Cancelling a run
returns the claimed deliveries not yet handed to a channel to the queue.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import ValidationError

from campaigns import delivery_repository, eligibility, repository, service
from campaigns.channels.protocol import (
    Channel,
    Context,
    Outcome,
    Outgoing,
    Rendered,
    Result,
    check_cancelled,
)
from campaigns.channels.registry import build, is_idempotent
from campaigns.frequency import RecentEmails
from campaigns.models import (
    CONTACT_VARIANT_PREFIX,
    EMAIL,
    SEGMENT_VARIANT,
    WEBHOOK,
    Campaign,
    Controls,
    DeliveryState,
    State,
    parse_window,
)
from campaigns.pacing import Pacer, Sleep
from campaigns.tracking import Tokens
from crm.contacts.models import Contact
from crm.db import Database
from kernel.errors import Conflict, CRMError, ValidationFailed
from kernel.processes import alive
from kernel.settings import Settings

log = structlog.get_logger(__name__)

Progress = Callable[[str, int], None]
# Retry backoff for transient failures: 1s, 2s, 4s … capped.
BACKOFF_BASE = 1.0
BACKOFF_MAX = 60.0


@dataclass
class RunReport:
    campaign: str
    state: State
    reason: str | None = None
    dry_run: bool = False
    sent: int = 0
    rendered: int = 0
    skipped: int = 0
    failed: int = 0
    review: int = 0
    retried: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
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


def default_controls(settings: Settings) -> Controls:
    return Controls(
        concurrency=settings.send_concurrency,
        rate=settings.send_rate,
        batch_size=settings.send_batch_size,
        window=settings.send_window,
        error_threshold=settings.send_error_threshold,
        max_attempts=settings.send_max_attempts,
    )


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
    recovered = await delivery_repository.recover(db, campaign.id, idempotent)
    log.info("campaigns.recovered", campaign=campaign.id, **recovered)
    report = RunReport(campaign.id, campaign.state, recovered=recovered)
    return await _execute(db, campaign, runner["id"], settings, options, report)


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
        runs = [
            _ChannelRun(db, campaign, run_id, channel, settings, options, stop, report)
            for channel in channels.values()
        ]
        try:
            await asyncio.gather(*(r.run() for r in runs))
        finally:
            for channel in channels.values():
                await channel.aclose()
    reasons += [r.stop_reason for r in runs if r.stop_reason]
    return await _finish(db, campaign, report, reasons[0] if reasons else None)


async def _finish(
    db: Database, campaign: Campaign, report: RunReport, stop_reason: str | None
) -> RunReport:
    status = await service.status(db, campaign.id)
    current = await service.require(db, campaign.id)
    if current.state != State.RUNNING:
        # Paused or cancelled from elsewhere while running: that state stands.
        report.state, report.reason = current.state, current.state_reason
        return report
    retryable = await delivery_repository.count_retryable(db, campaign.id)
    if stop_reason is None and status.queued:
        stop_reason = f"interrupted: {status.queued} deliveries still queued"
    if stop_reason is None and status.review:
        stop_reason = f"{status.review} deliveries need review (send outcome unknown)"
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


@dataclass
class _Work:
    delivery: str
    contact: Contact | None
    content: dict[str, Any]


@dataclass
class _Page:
    """One page of a channel's queued deliveries: what to send, and what to skip and why."""

    works: list[_Work]
    skipped: dict[str, str]


async def _pages(
    db: Database, campaign: Campaign, channel: str, rules: eligibility.Rules, size: int
) -> AsyncIterator[_Page]:
    """The channel's queued deliveries, `size` at a time in key order, with skip rules applied
    and the approved asset picked per contact; never more than one page in memory."""
    found = await repository.latest_assets(db, campaign.id, channel, [SEGMENT_VARIANT])
    default: dict[str, Any] = found[SEGMENT_VARIANT]["content"] if found else {}
    recent = RecentEmails(campaign.id, rules.frequency_hours)
    after: str | None = None
    while rows := await delivery_repository.queued_page(
        db, campaign.id, channel, after=after, limit=size
    ):
        after = rows[-1]["id"]
        contacts = {r["id"]: _contact(r.get("person")) for r in rows}
        skipped: dict[str, str] = {}
        if channel in (EMAIL, WEBHOOK):
            skipped = await eligibility.skip_reasons(db, channel, contacts, rules, recent)
        personal = await _personal_assets(db, campaign, channel, contacts)
        works = [
            _Work(key, contact, personal.get(contact.id, default) if contact else default)
            for key, contact in contacts.items()
            if key not in skipped
        ]
        yield _Page(works, skipped)


async def _personal_assets(
    db: Database, campaign: Campaign, channel: str, contacts: dict[str, Contact | None]
) -> dict[str, dict[str, Any]]:
    if not (campaign.personalize and channel == EMAIL):
        return {}
    variants = [CONTACT_VARIANT_PREFIX + c.id for c in contacts.values() if c is not None]
    found = await repository.latest_assets(db, campaign.id, channel, variants)
    return {v.removeprefix(CONTACT_VARIANT_PREFIX): a["content"] for v, a in found.items()}


class _ChannelRun:
    """One channel of one run: a producer filling a bounded queue, `concurrency` workers.

    A worker claims up to `claim_group` deliveries in one statement, sends them one by one and
    writes their outcomes together with its next claim. So at most concurrency x claim_group
    deliveries of a channel are `sending` at any moment, and that is what a crash can leave for
    `resume` to recover (re-queued on idempotent channels, `review` on SMTP).
    """

    def __init__(
        self,
        db: Database,
        campaign: Campaign,
        run_id: str,
        channel: Channel,
        settings: Settings,
        options: Options,
        stop: asyncio.Event,
        report: RunReport,
    ) -> None:
        self.db, self.campaign, self.run_id, self.channel = db, campaign, run_id, channel
        self.options, self.stop, self.report = options, stop, report
        self.controls = campaign.controls(channel.name, default_controls(settings))
        self.group = min(settings.send_claim_group, self.controls.batch_size)
        self.rules = eligibility.rules_for(
            campaign,
            require_consent=settings.require_consent,
            frequency_hours=settings.email_frequency_hours,
        )
        self.pacer = Pacer(
            rate=self.controls.rate, window=parse_window(self.controls.window), sleep=options.sleep
        )
        self.queue: asyncio.Queue[_Work | None] = asyncio.Queue(self.controls.batch_size * 2)
        self.errors = 0
        self.stop_reason: str | None = None
        self.outstanding = 0
        self.taken = 0
        self.producing = True
        self.retry_tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        workers = [asyncio.create_task(self._worker()) for _ in range(self.controls.concurrency)]
        watch = asyncio.create_task(self._drop_retries_on_stop())
        try:
            await self._produce()
            self.producing = False
            self._maybe_release()
            await asyncio.gather(*workers)
        except BaseException:
            # Cancelled or failed: stop sending now. Each worker writes what it sent and
            # returns the deliveries it claimed but did not hand over to the queue.
            self.stop.set()
            await _cancel(workers)
            raise
        finally:
            await _cancel([watch, *self.retry_tasks])

    async def _drop_retries_on_stop(self) -> None:
        # Waiting retries are queued in the database already; resume sends them.
        await self.stop.wait()
        await _cancel(list(self.retry_tasks))

    # -- producer --------------------------------------------------------------------------

    async def _produce(self) -> None:
        pages = _pages(
            self.db, self.campaign, self.channel.name, self.rules, self.controls.batch_size
        )
        async for page in pages:
            if self.stop.is_set() or not await self._still_running():
                return
            await delivery_repository.skip(self.db, list(page.skipped.items()))
            for reason in page.skipped.values():
                self._count_skip(reason)
            for work in page.works:
                self.outstanding += 1
                await self.queue.put(work)

    async def _still_running(self) -> bool:
        state = await repository.campaign_state(self.db, self.campaign.id)
        if state != State.RUNNING:
            self.stop.set()
            return False
        return True

    def _count_skip(self, reason: str) -> None:
        self.report.skipped += 1
        self.report.skip_reasons[reason] = self.report.skip_reasons.get(reason, 0) + 1
        self._progress()

    def _progress(self) -> None:
        if self.options.progress is not None:
            self.options.progress(self.channel.name, 1)

    # -- workers ---------------------------------------------------------------------------

    def _maybe_release(self) -> None:
        """Wake idle workers for good once nothing more can arrive."""
        if not self.producing and self.outstanding == 0:
            for _ in range(self.controls.concurrency):
                self.queue.put_nowait(None)

    async def _take(self) -> list[_Work]:
        """The next group of work: waits for one item, then takes what is ready up to the
        group size. Empty when the channel is done."""
        group: list[_Work] = []
        work = await self.queue.get()
        while work is not None:
            group.append(work)
            if len(group) == self.group or self.queue.empty():
                return group
            work = self.queue.get_nowait()
        # Leave the end marker for this worker's next call (a slot was just freed).
        if group:
            self.queue.put_nowait(None)
        return group

    async def _worker(self) -> None:
        done: list[delivery_repository.Completion] = []  # outcomes not written yet
        try:
            while True:
                check_cancelled()
                if done and self.queue.empty():
                    # No claim to carry them soon: write them rather than hold them idle.
                    await delivery_repository.complete(self.db, done, self.run_id)
                    done.clear()
                group = await self._take()
                if not group:
                    return
                self.taken += len(group)
                # A pause from elsewhere (API, another process) is seen within a batch.
                if self.taken % self.controls.batch_size < len(group):
                    await self._still_running()
                if self.stop.is_set():
                    # Left queued in the database for the next resume.
                    for _ in group:
                        self._settle()
                    continue
                claimed = await delivery_repository.claim(
                    self.db, [w.delivery for w in group], self.run_id, complete=done
                )
                done.clear()
                await self._send_claimed(group, claimed, done)
        finally:
            await delivery_repository.complete(self.db, done, self.run_id)

    async def _send_claimed(
        self,
        group: list[_Work],
        claimed: dict[str, int],
        done: list[delivery_repository.Completion],
    ) -> None:
        """Send the claimed part of `group`, adding each outcome to `done`."""
        todo = [w for w in group if w.delivery in claimed]
        for _ in range(len(group) - len(todo)):
            self._settle()  # skipped or taken by another run meanwhile
        try:
            while todo and not self.stop.is_set():
                check_cancelled()
                await self.pacer.acquire()
                # From here until send returns, the outcome is unknown (stays `sending`).
                work = todo.pop(0)
                outcome = await self._send(work, claimed[work.delivery])
                if outcome is not None:
                    done.append(outcome)
        finally:
            # Stopped or cancelled before these were handed to the channel: queued again,
            # as if never claimed, so resume sends them.
            for work in todo:
                unclaim = {"state": DeliveryState.QUEUED, "attempts": claimed[work.delivery] - 1}
                done.append((work.delivery, unclaim))
                self._settle()

    async def _send(self, work: _Work, attempt: int) -> delivery_repository.Completion | None:
        """Send one claimed delivery; returns its completion, written with the next claim."""
        message, result = await self._attempt(work)
        if result.outcome == Outcome.UNKNOWN and self.channel.idempotent:
            result = Result(Outcome.RETRY, result.detail)
        if result.outcome == Outcome.SENT and message is not None:
            self.report.sent += 1
            self._settle()
            return work.delivery, {"state": DeliveryState.SENT}
        self._error(result)
        if result.outcome == Outcome.RETRY and attempt < self.controls.max_attempts:
            self.report.retried += 1
            # Written now, not with the next claim: the retry may be claimed by any worker.
            await delivery_repository.complete(
                self.db,
                [(work.delivery, {"state": DeliveryState.QUEUED, "reason": result.detail})],
                self.run_id,
            )
            self._retry_later(work, attempt)
            return None
        self._settle()
        if result.outcome == Outcome.UNKNOWN:
            self.report.review += 1
            return work.delivery, {"state": DeliveryState.REVIEW, "reason": result.detail}
        self.report.failed += 1
        return work.delivery, {
            "state": DeliveryState.FAILED,
            "reason": result.detail,
            "retryable": result.outcome == Outcome.RETRY,
        }

    async def _attempt(self, work: _Work) -> tuple[Rendered | None, Result]:
        item = Outgoing(work.delivery, self.channel.name, self.campaign, work.contact, work.content)
        try:
            message = self.channel.render(item)
        except (CRMError, ValidationError, KeyError, ValueError) as exc:
            return None, Result(Outcome.FAILED, f"cannot render: {exc}"[:300])
        return message, await self.channel.send(message)

    def _settle(self) -> None:
        self.outstanding -= 1
        self._progress()
        self._maybe_release()

    def _error(self, result: Result) -> None:
        self.errors += 1
        log.warning(
            "campaigns.send_error",
            campaign=self.campaign.id,
            channel=self.channel.name,
            outcome=result.outcome,
            detail=result.detail,
        )
        if self.errors >= self.controls.error_threshold and self.stop_reason is None:
            self.stop_reason = (
                f"{self.errors} send errors on {self.channel.name} (threshold "
                f"{self.controls.error_threshold}); last: {result.detail}"
            )
            self.stop.set()

    def _retry_later(self, work: _Work, attempt: int) -> None:
        delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempt - 1))

        async def later() -> None:
            try:
                await self.options.sleep(delay)
            except asyncio.CancelledError:
                self._settle()
                raise
            await self.queue.put(work)

        task = asyncio.create_task(later())
        self.retry_tasks.add(task)
        task.add_done_callback(self.retry_tasks.discard)


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel `tasks` (once: a second cancel would interrupt their cleanup) and wait for them."""
    for task in tasks:
        if not task.cancelling():
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _contact(person: dict[str, Any] | None) -> Contact | None:
    # A link to a deleted contact yields a projection of NONEs rather than NONE.
    return Contact.model_validate(person) if person and person.get("id") else None


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
        async for page in _pages(db, campaign, name, rules, settings.send_batch_size):
            for reason in page.skipped.values():
                report.skipped += 1
                report.skip_reasons[reason] = report.skip_reasons.get(reason, 0) + 1
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
