"""The executor: turns an approved campaign's delivery records into sent messages, once each.

    approve ─► delivery (queued) per (campaign, contact, channel), unique index
    per channel: producer ─► batches of queued keys ─► skip rules ─► work queue
                 workers  ─► pace ─► claim (queued → sending, compare-and-set) ─► render
                          ─► send ─► complete (sent | failed | review | queued for retry)

A delivery is claimed in the database before its message leaves and completed after, so a
crash (even kill -9) leaves it `sending`. `resume` re-queues those on channels where a repeat
is harmless (outbox files, HTTP with an idempotency key) and marks the rest `review`: an SMTP
server may or may not have accepted a message when the connection died, and a person decides
(`resolve_review`) rather than the executor sending a second copy. A worker completes one
message and claims the next in one round trip, which keeps the cost to one query per message.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import ValidationError

from campaigns import eligibility, repository, service
from campaigns.channels import (
    Channel,
    Context,
    Outcome,
    Outgoing,
    Rendered,
    Result,
    build,
    is_idempotent,
)
from campaigns.models import (
    CONTACT_VARIANT_PREFIX,
    EMAIL,
    SEGMENT_VARIANT,
    Campaign,
    Controls,
    DeliveryState,
    State,
    parse_window,
)
from campaigns.pacing import Pacer, Sleep
from campaigns.tracking import Tokens
from crm import timeline
from crm.contacts.models import Contact
from crm.db import Database
from crm.errors import Conflict, CRMError, ValidationFailed
from crm.settings import Settings

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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def runner_gone(campaign: Campaign) -> bool:
    """A `running` campaign whose executor process no longer exists (killed, crashed)."""
    runner = campaign.runner or {}
    if runner.get("host") != socket.gethostname():
        return False
    pid = runner.get("pid")
    return isinstance(pid, int) and pid != os.getpid() and not _pid_alive(pid)


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
    recovered = await repository.recover(db, campaign.id, idempotent)
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
        channels = {name: build(name, ctx) for name in campaign.channels}
        runs = [
            _ChannelRun(db, campaign, run_id, channel, settings, options, stop, report)
            for channel in channels.values()
        ]
        try:
            await asyncio.gather(*(r.run() for r in runs))
        finally:
            for channel in channels.values():
                await channel.aclose()
    reasons = [r.stop_reason for r in runs if r.stop_reason]
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
    retryable = await repository.count_retryable(db, campaign.id)
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


class _ChannelRun:
    """One channel of one run: a producer filling a bounded queue, `concurrency` workers."""

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
        self.events: list[dict[str, Any]] = []

    async def run(self) -> None:
        workers = [asyncio.create_task(self._worker()) for _ in range(self.controls.concurrency)]
        try:
            await self._produce()
        finally:
            self.producing = False
            self._maybe_release()
            if self.stop.is_set():
                # Waiting deliveries are queued in the database already; resume sends them.
                for task in list(self.retry_tasks):
                    task.cancel()
            await asyncio.gather(*workers)
            await self._flush_events()

    # -- producer --------------------------------------------------------------------------

    async def _produce(self) -> None:
        keys = await repository.queued_keys(self.db, self.campaign.id, self.channel.name)
        segment_asset = await self._content(SEGMENT_VARIANT)
        size = self.controls.batch_size
        for start in range(0, len(keys), size):
            if self.stop.is_set() or not await self._still_running():
                return
            rows = await repository.still_queued(self.db, keys[start : start + size])
            contacts = {r["id"]: _contact(r.get("person")) for r in rows}
            per_contact = await self._personal_assets(contacts)
            skip: dict[str, str] = {}
            if self.channel.name in (EMAIL, "webhook"):
                skip = await eligibility.skip_reasons(
                    self.db, self.campaign, self.channel.name, contacts, self.rules
                )
            await repository.skip(self.db, list(skip.items()))
            for reason in skip.values():
                self._count_skip(reason)
            for row in rows:
                if row["id"] in skip:
                    continue
                contact = contacts[row["id"]]
                content = per_contact.get(contact.id, segment_asset) if contact else segment_asset
                self.outstanding += 1
                await self.queue.put(_Work(row["id"], contact, content or {}))

    async def _still_running(self) -> bool:
        state = await repository.campaign_state(self.db, self.campaign.id)
        if state != State.RUNNING:
            self.stop.set()
            return False
        return True

    async def _content(self, variant: str) -> dict[str, Any] | None:
        found = await repository.latest_assets(
            self.db, self.campaign.id, self.channel.name, [variant]
        )
        return found[variant]["content"] if variant in found else None

    async def _personal_assets(
        self, contacts: dict[str, Contact | None]
    ) -> dict[str, dict[str, Any]]:
        if not (self.campaign.personalize and self.channel.name == EMAIL):
            return {}
        variants = [CONTACT_VARIANT_PREFIX + c.id for c in contacts.values() if c is not None]
        found = await repository.latest_assets(
            self.db, self.campaign.id, self.channel.name, variants
        )
        return {v.removeprefix(CONTACT_VARIANT_PREFIX): a["content"] for v, a in found.items()}

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

    async def _worker(self) -> None:
        pending: tuple[str, dict[str, Any]] | None = None
        try:
            while (work := await self.queue.get()) is not None:
                self.taken += 1
                # A pause from elsewhere (API, another process) is seen within a batch.
                if self.taken % self.controls.batch_size == 0:
                    await self._still_running()
                if self.stop.is_set():
                    # Leave it queued in the database for the next resume.
                    self._settle()
                    continue
                await self.pacer.acquire()
                attempt = await repository.claim(
                    self.db, work.delivery, self.run_id, complete=pending
                )
                pending = None
                if attempt is None:
                    self._settle()  # skipped or taken by another run meanwhile
                    continue
                pending = await self._send(work, attempt)
        finally:
            if pending is not None:
                await repository.complete(self.db, pending[0], self.run_id, pending[1])

    async def _send(self, work: _Work, attempt: int) -> tuple[str, dict[str, Any]] | None:
        """Send one claimed delivery; returns its completion, written with the next claim."""
        message, result = await self._attempt(work)
        if result.outcome == Outcome.UNKNOWN and self.channel.idempotent:
            result = Result(Outcome.RETRY, result.detail)
        if result.outcome == Outcome.SENT and message is not None:
            self.report.sent += 1
            self._settle()
            await self._sent_event(work)
            return work.delivery, {
                "state": DeliveryState.SENT,
                "sent_at": datetime.now(UTC),
                "message_id": message.message_id,
                "reason": None,
            }
        self._error(result)
        if result.outcome == Outcome.RETRY and attempt < self.controls.max_attempts:
            self.report.retried += 1
            # Written now, not with the next claim: the retry may be claimed by any worker.
            await repository.complete(
                self.db,
                work.delivery,
                self.run_id,
                {"state": DeliveryState.QUEUED, "reason": result.detail},
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

    async def _sent_event(self, work: _Work) -> None:
        if work.contact is None:
            return
        kind = "email_sent" if self.channel.name == EMAIL else f"{self.channel.name}_sent"
        self.events.append(timeline.event(work.contact.id, kind, campaign=self.campaign.id))
        if len(self.events) >= self.controls.batch_size:
            await self._flush_events()

    async def _flush_events(self) -> None:
        # The delivery record is the truth; timeline events are written in batches and may
        # miss the last few after a crash.
        events, self.events = self.events, []
        await timeline.add(self.db, events)


def _contact(person: dict[str, Any] | None) -> Contact | None:
    return Contact.model_validate(person) if person else None


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
        writer = _DryRunChannel(db, campaign, channel, rules, report, options)
        await writer.render_all(settings.send_batch_size)
    return report


@dataclass
class _DryRunChannel:
    db: Database
    campaign: Campaign
    channel: Channel
    rules: eligibility.Rules
    report: RunReport
    options: Options

    async def render_all(self, batch_size: int) -> None:
        name = self.channel.name
        keys = await repository.queued_keys(self.db, self.campaign.id, name)
        segment = await repository.latest_assets(self.db, self.campaign.id, name, [SEGMENT_VARIANT])
        default = segment[SEGMENT_VARIANT]["content"] if segment else {}
        for start in range(0, len(keys), batch_size):
            rows = await repository.still_queued(self.db, keys[start : start + batch_size])
            contacts = {r["id"]: _contact(r.get("person")) for r in rows}
            skip: dict[str, str] = {}
            if name in (EMAIL, "webhook"):
                skip = await eligibility.skip_reasons(
                    self.db, self.campaign, name, contacts, self.rules
                )
            personal = await self._personal(contacts)
            for row in rows:
                await self._one(row["id"], contacts[row["id"]], skip, personal, default)

    async def _personal(self, contacts: dict[str, Contact | None]) -> dict[str, Any]:
        if not (self.campaign.personalize and self.channel.name == EMAIL):
            return {}
        variants = [CONTACT_VARIANT_PREFIX + c.id for c in contacts.values() if c]
        found = await repository.latest_assets(self.db, self.campaign.id, EMAIL, variants)
        return {v.removeprefix(CONTACT_VARIANT_PREFIX): a["content"] for v, a in found.items()}

    async def _one(
        self,
        key: str,
        contact: Contact | None,
        skip: dict[str, str],
        personal: dict[str, Any],
        default: dict[str, Any],
    ) -> None:
        if key in skip:
            self.report.skipped += 1
            reasons = self.report.skip_reasons
            reasons[skip[key]] = reasons.get(skip[key], 0) + 1
            return
        content = personal.get(contact.id, default) if contact else default
        message = self.channel.render(
            Outgoing(key, self.channel.name, self.campaign, contact, content)
        )
        result = await self.channel.send(message)
        if result.outcome == Outcome.SENT:
            self.report.rendered += 1
        else:
            self.report.failed += 1
        if self.options.progress is not None:
            self.options.progress(self.channel.name, 1)
