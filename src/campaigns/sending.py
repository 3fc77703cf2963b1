"""Sending one channel of a run: a producer pages through the queued deliveries into a bounded
queue, and workers claim them in groups, pace, render, send and record each outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from campaigns import delivery_repository, eligibility, repository, suppression
from campaigns.channels.protocol import (
    Channel,
    Outcome,
    Outgoing,
    Rendered,
    Result,
    check_cancelled,
)
from campaigns.handoff import Journal
from campaigns.models import Campaign, Controls, DeliveryState, State, parse_window
from campaigns.pacing import Pacer, Sleep
from campaigns.queued import Work, pages
from crm.db import Database
from kernel.errors import CRMError
from kernel.logs import get_logger
from kernel.settings import Settings

log = get_logger(__name__)

Progress = Callable[[str, int], None]
# Retry backoff for transient failures: 1s, 2s, 4s … capped.
BACKOFF_BASE = 1.0
BACKOFF_MAX = 60.0


@dataclass(kw_only=True)
class Tally:
    """What sending did to deliveries; the channels of a run add to one (the run's report)."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    review: int = 0
    retried: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1


def default_controls(settings: Settings) -> Controls:
    return Controls(
        concurrency=settings.send_concurrency,
        rate=settings.send_rate,
        batch_size=settings.send_batch_size,
        window=settings.send_window,
        error_threshold=settings.send_error_threshold,
        max_attempts=settings.send_max_attempts,
    )


class ChannelRun:
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
        *,
        stop: asyncio.Event,
        tally: Tally,
        journal: Journal,
        sleep: Sleep,
        progress: Progress | None,
    ) -> None:
        self.db, self.campaign, self.run_id, self.channel = db, campaign, run_id, channel
        self.stop, self.tally, self.sleep, self.progress = stop, tally, sleep, progress
        self.journal = journal
        self.controls = campaign.controls(channel.name, default_controls(settings))
        self.group = min(settings.send_claim_group, self.controls.batch_size)
        self.rules = eligibility.rules_for(
            campaign,
            require_consent=settings.require_consent,
            frequency_hours=settings.email_frequency_hours,
        )
        self.pacer = Pacer(
            rate=self.controls.rate, window=parse_window(self.controls.window), sleep=sleep
        )
        # Room for two batches, and for every worker's end marker once the work is done.
        size = max(self.controls.batch_size * 2, self.controls.concurrency)
        self.queue: asyncio.Queue[Work | None] = asyncio.Queue(size)
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
        queued = pages(
            self.db, self.campaign, self.channel.name, self.rules, self.controls.batch_size
        )
        async for page in queued:
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
        self.tally.skip(reason)
        self._progress()

    def _progress(self) -> None:
        if self.progress is not None:
            self.progress(self.channel.name, 1)

    # -- workers ---------------------------------------------------------------------------

    def _maybe_release(self) -> None:
        """Wake idle workers for good once nothing more can arrive."""
        if not self.producing and self.outstanding == 0:
            for _ in range(self.controls.concurrency):
                self.queue.put_nowait(None)

    async def _take(self) -> list[Work]:
        """The next group of work: waits for one item, then takes what is ready up to the
        group size. Empty when the channel is done."""
        group: list[Work] = []
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
        group: list[Work],
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
                if not self.channel.idempotent:
                    self.journal.handed(work.delivery)
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

    async def _send(self, work: Work, attempt: int) -> delivery_repository.Completion | None:
        """Send one claimed delivery; returns its completion, written with the next claim."""
        message, result = await self._attempt(work)
        if result.outcome == Outcome.UNKNOWN and self.channel.idempotent:
            result = Result(Outcome.RETRY, result.detail)
        if result.outcome == Outcome.SENT and message is not None:
            if not self.channel.idempotent:
                self.journal.sent(work.delivery)
            self.tally.sent += 1
            self._settle()
            return work.delivery, {"state": DeliveryState.SENT}
        retry = result.outcome == Outcome.RETRY and attempt < self.controls.max_attempts
        if result.bounce and message is not None:
            # Like a DSN: the contact is bounced, the address suppressed; not a send error.
            await suppression.report_bounce(
                self.db,
                kind="hard",
                email=message.recipient,
                delivery_key=work.delivery,
                detail=result.detail,
            )
        elif retry and result.deferred:
            log.info(
                "campaigns.send_deferred",
                campaign=self.campaign.id,
                channel=self.channel.name,
                detail=result.detail,
            )
        else:
            self._error(result)
        if retry:
            self.tally.retried += 1
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
            self.tally.review += 1
            return work.delivery, {"state": DeliveryState.REVIEW, "reason": result.detail}
        self.tally.failed += 1
        return work.delivery, {
            "state": DeliveryState.FAILED,
            "reason": result.detail,
            "retryable": result.outcome == Outcome.RETRY,
        }

    async def _attempt(self, work: Work) -> tuple[Rendered | None, Result]:
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

    def _retry_later(self, work: Work, attempt: int) -> None:
        if self.stop.is_set():
            self._settle()  # queued in the database already; resume sends it
            return
        delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempt - 1))

        async def later() -> None:
            await self.sleep(delay)
            await self.queue.put(work)

        task = asyncio.create_task(later())
        self.retry_tasks.add(task)
        task.add_done_callback(self._retry_done)

    def _retry_done(self, task: asyncio.Task[None]) -> None:
        """A retry that never reached the work queue (cancelled when the run stopped, even
        before its first step, when no handler inside it runs) stays queued in the database
        for resume; the run stops counting it here."""
        self.retry_tasks.discard(task)
        if task.cancelled() or task.exception() is not None:
            self._settle()


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel `tasks` (once: a second cancel would interrupt their cleanup) and wait for them."""
    for task in tasks:
        if not task.cancelling():
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
