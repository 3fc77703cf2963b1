"""The worker loop: claim due work, run it under a renewed lease, shut down without loose ends.

Workers share nothing but the database, so any number of them (tasks, processes, machines
against one SurrealDB server) can run at once; the claims in `service` decide who runs what.

How a run can end on this worker:
- the job returns -> succeeded; it raises -> a retry is scheduled, or failed;
- the lease could not be renewed (this worker stalled and another took over) -> the job is
  cancelled and nothing is written, since the run is no longer ours;
- graceful stop (SIGTERM) -> running jobs get `shutdown_grace_seconds` to finish, then are
  cancelled and their claims released, so the next worker resumes them at once;
- the worker's task is cancelled from outside -> treated like a crash: nothing is written and
  the lease runs out, after which another worker resumes the run (counted as a failed attempt).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from crm.db import Database
from kernel.errors import CRMError
from kernel.logs import get_logger
from scheduling import service
from scheduling.clock import Clock, SystemClock
from scheduling.jobs import Job, production_job
from scheduling.models import Run, RunOutcome
from scheduling.service import ClaimPolicy

if TYPE_CHECKING:
    from kernel.settings import Settings

log = get_logger(__name__)


class Worker:
    def __init__(
        self,
        db: Database,
        job: Job,
        *,
        policy: ClaimPolicy,
        clock: Clock | None = None,
        poll_seconds: float = 5.0,
        concurrency: int = 4,
        shutdown_grace_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.job = job
        self.policy = policy
        self.clock = clock or SystemClock()
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self.shutdown_grace_seconds = shutdown_grace_seconds
        self._active: dict[asyncio.Task[None], Run] = {}
        self._stop = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._releasing = False
        self._succeeded: list[tuple[Run, RunOutcome]] = []
        self._recording = asyncio.Lock()

    @classmethod
    def from_settings(
        cls, db: Database, settings: Settings, job: Job, *, clock: Clock | None = None
    ) -> Worker:
        return cls(
            db,
            job,
            policy=ClaimPolicy(
                owner=settings.worker_id,
                lease_seconds=settings.lease_seconds,
                misfire_grace_seconds=settings.misfire_grace_seconds,
            ),
            clock=clock,
            poll_seconds=settings.worker_poll_seconds,
            concurrency=settings.worker_concurrency,
            shutdown_grace_seconds=settings.shutdown_grace_seconds,
        )

    @property
    def id(self) -> str:
        return self.policy.owner

    @property
    def running(self) -> list[Run]:
        return list(self._active.values())

    def stop(self) -> None:
        """Ask for a graceful stop (safe to call from a signal handler)."""
        if not self._stop.is_set():
            log.info("campaigns.worker_stopping", worker=self.id, running=len(self._active))
        self._stop.set()

    async def run(self) -> None:
        """Poll and execute until `stop`, then drain."""
        log.info("campaigns.worker_started", worker=self.id, concurrency=self.concurrency)
        try:
            while not self._stop.is_set():
                try:
                    await self.tick()
                except CRMError as exc:  # the database is unreachable for a while: keep polling
                    log.warning("campaigns.worker_poll_failed", worker=self.id, error=exc.message)
                await self._pause()
        except asyncio.CancelledError:
            self._abandon()
            raise
        await self._drain()
        log.info("campaigns.worker_stopped", worker=self.id)

    async def tick(self) -> list[Run]:
        """Claim as much work as there are free slots and start it; returns what was claimed."""
        # A run ending from here on frees a slot this claim does not use: the next pause ends
        # at once for it instead of missing it.
        self._slot_freed.clear()
        free = self.concurrency - len(self._active)
        if free <= 0 or self._stop.is_set():
            return []
        claimed = await service.claim(self.db, self.policy, clock=self.clock, limit=free)
        for run in claimed:
            task = asyncio.create_task(self._execute(run), name=f"schedule-run-{run.id}")
            self._active[task] = run
            task.add_done_callback(self._done)
        return claimed

    async def wait_idle(self) -> None:
        """Until every run started so far has ended (tests use this instead of sleeping)."""
        while self._active:
            await asyncio.wait(list(self._active))

    def _done(self, task: asyncio.Task[None]) -> None:
        self._active.pop(task, None)
        self._slot_freed.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("campaigns.worker_task_crashed", worker=self.id, error=repr(task.exception()))

    async def _pause(self) -> None:
        """Sleep for the poll interval, or until the next occurrence falls due if that is
        sooner; wake early when asked to stop or a slot frees up."""
        waiters = [
            asyncio.ensure_future(self.clock.sleep(await self._idle_seconds())),
            asyncio.create_task(self._stop.wait()),
            asyncio.create_task(self._slot_freed.wait()),
        ]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _idle_seconds(self) -> float:
        if len(self._active) >= self.concurrency:
            return self.poll_seconds  # nothing could be claimed anyway: a freed slot wakes us
        try:
            due = await service.next_due(self.db, clock=self.clock)
        except CRMError:
            return self.poll_seconds
        if due is None:
            return self.poll_seconds
        return min(self.poll_seconds, (due - self.clock.now()).total_seconds())

    async def _execute(self, run: Run) -> None:
        log.info(
            "campaigns.schedule_run_started",
            run=run.id,
            kind=run.kind.value,
            target=run.target,
            attempt=run.attempts,
            worker=self.id,
        )
        job = asyncio.create_task(self.job(self.db, run))
        lost = asyncio.Event()
        beat = asyncio.create_task(self._heartbeat(run, job, lost))
        try:
            # wait() rather than `await job`: when this task is cancelled it returns at once
            # instead of waiting for the job to unwind, which may take long or never happen.
            await asyncio.wait([job])
        except asyncio.CancelledError:
            # The worker is stopping or dying: stop renewing the lease now, then hand the run
            # back (graceful stop) or write nothing (crash). The executor's resume path copes
            # with whatever the cancelled job leaves half-done.
            beat.cancel()
            job.cancel()
            if self._releasing and not lost.is_set():
                await service.release(self.db, run, self.policy, clock=self.clock)
            raise
        finally:
            beat.cancel()
        if job.cancelled():  # by the heartbeat: another worker holds the run now
            log.warning("campaigns.schedule_lease_lost", run=run.id, worker=self.id)
            return
        error = job.exception()
        if error is None:
            await self._record_success(run, job.result())
            return
        if not isinstance(error, Exception):
            raise error
        log.warning("campaigns.schedule_job_error", run=run.id, worker=self.id, exc_info=error)
        await service.fail(self.db, run, self.policy, _describe(error), clock=self.clock)

    async def _record_success(self, run: Run, outcome: RunOutcome) -> None:
        """Runs ending together have their success written in one transaction: whoever writes
        takes every success waiting, so once this returns, this run's was written."""
        self._succeeded.append((run, outcome))
        async with self._recording:
            batch, self._succeeded = self._succeeded, []
            if not batch:
                return
            try:
                await service.succeed_all(self.db, batch, self.policy, clock=self.clock)
            except BaseException:
                self._succeeded[:0] = batch  # the next run to end writes them
                raise

    async def _heartbeat(
        self, run: Run, job: asyncio.Task[RunOutcome], lost: asyncio.Event
    ) -> None:
        # Three renewals per lease: one missed renewal (a slow query) does not lose the run.
        while True:
            await self.clock.sleep(self.policy.lease_seconds / 3)
            try:
                held = await service.renew(self.db, run, self.policy, clock=self.clock)
            except CRMError as exc:
                log.warning("campaigns.schedule_renew_failed", run=run.id, error=exc.message)
                continue
            if not held:
                lost.set()
                job.cancel()
                return

    async def _drain(self) -> None:
        if not self._active:
            return
        log.info("campaigns.worker_draining", worker=self.id, running=len(self._active))
        deadline = asyncio.ensure_future(self.clock.sleep(self.shutdown_grace_seconds))
        try:
            while self._active and not deadline.done():
                await asyncio.wait([*self._active, deadline], return_when=asyncio.FIRST_COMPLETED)
        finally:
            deadline.cancel()
        if self._active:
            self._releasing = True
            tasks = list(self._active)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _abandon(self) -> None:
        for task in list(self._active):
            task.cancel()


def _describe(exc: BaseException) -> str:
    message = exc.message if isinstance(exc, CRMError) else str(exc)
    return f"{type(exc).__name__}: {message}"[:1000]


async def serve(db: Database, settings: Settings, job: Job) -> None:
    """Run a worker until SIGTERM or SIGINT, then stop gracefully (the `crm worker` command)."""
    worker = Worker.from_settings(db, settings, job)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    try:
        await worker.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


@asynccontextmanager
async def in_background(db: Database, settings: Settings) -> AsyncIterator[Worker]:
    """One worker running beside other work (`crm serve --worker`); leaving the block stops
    it gracefully, as SIGTERM stops `crm worker`."""
    worker = Worker.from_settings(db, settings, production_job(settings))
    task = asyncio.create_task(worker.run(), name="scheduler-worker")
    try:
        yield worker
    finally:
        worker.stop()
        await task
