"""Long work (asset generation, execution) runs as a job: the request answers 202 at once with
a status URL; `GET /api/v1/jobs/{id}` tells how it went.

Jobs live in the server process (the work itself is durable where it matters: the executor's
delivery records make a re-run resume, not repeat).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.encoders import jsonable_encoder

from api.schemas import ErrorDetail, Job
from kernel.errors import CRMError
from kernel.logs import get_logger

log = get_logger(__name__)
MAX_KEPT = 500


class Jobs:
    def __init__(self, prefix: str = "/api/v1/jobs") -> None:
        self._prefix = prefix
        self._jobs: dict[str, Job] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._workspaces: dict[str, str] = {}

    def submit(self, workspace: str, kind: str, work: Callable[[], Awaitable[Any]]) -> Job:
        """Run `work` for a request of `workspace`; only that workspace sees the job."""
        job_id = secrets.token_hex(8)
        job = Job(
            id=job_id,
            kind=kind,
            status="pending",
            created_at=datetime.now(UTC),
            status_url=f"{self._prefix}/{job_id}",
        )
        self._jobs[job_id] = job
        self._workspaces[job_id] = workspace
        self._forget_old()
        self._tasks[job_id] = asyncio.create_task(self._run(job, work))
        return job

    def running(self) -> int:
        return sum(not task.done() for task in self._tasks.values())

    def get(self, job_id: str, workspace: str) -> Job | None:
        if self._workspaces.get(job_id) != workspace:
            return None
        return self._jobs.get(job_id)

    async def wait(self, job_id: str) -> Job | None:
        """For tests and the CLI-through-API: the job once it has finished."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.shield(task)
        return self._jobs.get(job_id)

    async def _run(self, job: Job, work: Callable[[], Awaitable[Any]]) -> None:
        job.status = "running"
        try:
            job.result = jsonable_encoder(await work())
            job.status = "done"
        except CRMError as exc:
            job.status = "failed"
            job.error = ErrorDetail(code=exc.code, message=exc.message, details=exc.details)
        except Exception as exc:
            log.exception("api.job_failed", job=job.id, kind=job.kind, error=type(exc).__name__)
            job.status = "failed"
            job.error = ErrorDetail(code="internal_error", message="the job failed unexpectedly")
        finally:
            job.finished_at = datetime.now(UTC)
            self._tasks.pop(job.id, None)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished_at is not None]
        for job in sorted(finished, key=lambda j: j.created_at)[
            : max(0, len(self._jobs) - MAX_KEPT)
        ]:
            del self._jobs[job.id]
            del self._workspaces[job.id]

    async def shutdown(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
