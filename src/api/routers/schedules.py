"""Scheduled campaign runs: `/api/v1/campaigns/{id}/schedules` (list with runs, create) and
`/api/v1/schedules/{id}` (show, pause, resume, delete). A worker (`crm worker`, or
`crm serve --worker`) runs what is due."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.permissions import Note, requires
from api.schemas import error_responses
from api.tenancy import Db
from campaigns import service as campaigns
from scheduling import service
from scheduling.clock import SystemClock
from scheduling.models import Kind, Run, Schedule, ScheduleCreate, Timing

router = APIRouter(tags=["schedules"])

TIMING_EXAMPLES: dict[str, Any] = {
    "weekly": {
        "summary": "Every Monday 09:00 in New York, new members only",
        "value": {"cron": "0 9 * * MON", "tz": "America/New_York"},
    },
    "once": {
        "summary": "Once, at a wall time in Berlin",
        "value": {"at": "2036-12-01T09:00:00", "tz": "Europe/Berlin", "missed": "skip"},
    },
    "repeat": {
        "summary": "Every day to every member",
        "value": {"cron": "0 8 * * *", "repeat": True},
    },
}
RUNS = Query(default=20, ge=1, le=1000, description="How many recent runs per schedule.")


class ScheduleRuns(Schedule):
    runs: list[Run] = Field(description="Its latest runs, newest first.")


class ScheduleList(BaseModel):
    items: list[ScheduleRuns]


async def _with_runs(db: Db, schedule: Schedule, limit: int) -> ScheduleRuns:
    found = await service.runs(db, schedule=schedule.id, limit=limit)
    return ScheduleRuns(**schedule.model_dump(), runs=found)


@router.get(
    "/campaigns/{ref}/schedules",
    response_model=ScheduleList,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def list_campaign_schedules(ref: str, db: Db, runs: int = RUNS) -> ScheduleList:
    campaign = await campaigns.require(db, ref)
    schedules = await service.list_schedules(db, kind=Kind.CAMPAIGN.value, target=campaign.id)
    return ScheduleList(items=[await _with_runs(db, s, runs) for s in schedules])


@router.post(
    "/campaigns/{ref}/schedules",
    response_model=Schedule,
    status_code=201,
    responses=error_responses(404),
    **requires(Permission.SCHEDULE, audit=Action.SCHEDULE_CREATE),
)
async def create_campaign_schedule(
    ref: str,
    db: Db,
    note: Note,
    timing: Annotated[Timing, Body(openapi_examples=TIMING_EXAMPLES)],
) -> Schedule:
    campaign = await campaigns.require(db, ref)  # a blank or unknown ref is a 404, not a 500
    data = ScheduleCreate(kind=Kind.CAMPAIGN, target=campaign.id, **timing.model_dump())
    made = await service.create(db, data, clock=SystemClock())
    note.target = Action.SCHEDULE_CREATE.target(made.id)
    return made


@router.get(
    "/schedules/{ref}",
    response_model=ScheduleRuns,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def get_schedule(ref: str, db: Db, runs: int = RUNS) -> ScheduleRuns:
    return await _with_runs(db, await service.require(db, ref), runs)


@router.post(
    "/schedules/{ref}/pause",
    response_model=Schedule,
    responses=error_responses(404, 409),
    **requires(Permission.SCHEDULE, audit=Action.SCHEDULE_PAUSE),
)
async def pause_schedule(ref: str, db: Db) -> Schedule:
    return await service.pause(db, ref, clock=SystemClock())


@router.post(
    "/schedules/{ref}/resume",
    response_model=Schedule,
    responses=error_responses(404, 409),
    **requires(Permission.SCHEDULE, audit=Action.SCHEDULE_RESUME),
)
async def resume_schedule(ref: str, db: Db) -> Schedule:
    return await service.resume(db, ref, clock=SystemClock())


@router.delete(
    "/schedules/{ref}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404),
    **requires(Permission.SCHEDULE, audit=Action.SCHEDULE_DELETE),
)
async def delete_schedule(ref: str, db: Db) -> Response:
    """Deletes the schedule; its run history stays (see the campaign's status)."""
    await service.delete(db, ref, clock=SystemClock())
    return Response(status_code=204)
