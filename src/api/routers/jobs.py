"""`GET /api/v1/jobs/{id}`: how a long-running request (202) went."""

from __future__ import annotations

from fastapi import APIRouter

from accounts.roles import Permission
from api.auth import Caller
from api.deps import State
from api.permissions import requires
from api.schemas import Job, error_responses
from kernel.errors import NotFound

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get(
    "/{job_id}", response_model=Job, responses=error_responses(404), **requires(Permission.READ)
)
async def get_job(job_id: str, state: State, caller: Caller) -> Job:
    job = state.jobs.get(job_id, caller.workspace.id)
    if job is None:
        raise NotFound(f"no job {job_id!r} (jobs are kept while the server runs)")
    return job
