"""`/app/campaigns/{ref}/schedules`: a campaign's schedules and their latest runs; create one
(once at a time, or recurring by cron), pause, resume and delete one (Permission.SCHEDULE, as
`/api/v1/campaigns/{id}/schedules`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.console.deps import Person, console_router
from api.console.render import page
from api.permissions import Note, requires
from api.tenancy import Db
from campaigns import service as campaigns
from kernel.errors import ValidationFailed
from scheduling import service
from scheduling.clock import SystemClock
from scheduling.models import Kind, Missed, ScheduleCreate

router = console_router(prefix="/app/campaigns/{campaign}/schedules")
RUNS = 20


async def _page(
    request: Request, caller: Person, db: Db, campaign: str, message: str = ""
) -> Response:
    found = await campaigns.require(db, campaign)
    return page(
        request,
        "schedules.jinja",
        caller=caller,
        status_code=422 if message else 200,
        title=f"{found.name}: schedules",
        campaign=found,
        schedules=await service.list_schedules(db, kind=Kind.CAMPAIGN.value, target=found.id),
        runs=await service.runs(db, kind=Kind.CAMPAIGN.value, target=found.id, limit=RUNS),
        missed=list(Missed),
        message=message,
    )


def _back(campaign: str) -> RedirectResponse:
    return RedirectResponse(f"/app/campaigns/{quote(campaign)}/schedules", status_code=303)


@router.get("", **requires(Permission.READ))
async def schedules_page(request: Request, caller: Person, db: Db, campaign: str) -> Response:
    return await _page(request, caller, db, campaign)


@router.post("", **requires(Permission.SCHEDULE, audit=Action.SCHEDULE_CREATE))
async def create_schedule(
    request: Request,
    caller: Person,
    db: Db,
    note: Note,
    campaign: str,
    at: Annotated[str, Form(max_length=40)] = "",
    cron: Annotated[str, Form(max_length=200)] = "",
    tz: Annotated[str, Form(max_length=64)] = "UTC",
    missed: Annotated[str, Form(max_length=20)] = Missed.CATCH_UP.value,
    repeat: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    found = await campaigns.require(db, campaign)
    try:
        data = ScheduleCreate.model_validate(
            {
                "kind": Kind.CAMPAIGN,
                "target": found.id,
                "at": at.strip() or None,
                "cron": cron.strip() or None,
                "tz": tz.strip() or "UTC",
                "missed": missed,
                "repeat": bool(repeat),
            }
        )
        made = await service.create(db, data, clock=SystemClock())
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return await _page(request, caller, db, found.id, problems)
    except ValidationFailed as exc:
        return await _page(request, caller, db, found.id, exc.message)
    note.target = Action.SCHEDULE_CREATE.target(made.id)
    return _back(found.id)


@router.post("/{ref}/pause", **requires(Permission.SCHEDULE, audit=Action.SCHEDULE_PAUSE))
async def pause(caller: Person, db: Db, campaign: str, ref: str) -> Response:
    paused = await service.pause(db, ref, clock=SystemClock())
    return _back(paused.target)


@router.post("/{ref}/resume", **requires(Permission.SCHEDULE, audit=Action.SCHEDULE_RESUME))
async def resume(caller: Person, db: Db, campaign: str, ref: str) -> Response:
    resumed = await service.resume(db, ref, clock=SystemClock())
    return _back(resumed.target)


@router.post("/{ref}/delete", **requires(Permission.SCHEDULE, audit=Action.SCHEDULE_DELETE))
async def delete(caller: Person, db: Db, campaign: str, ref: str) -> Response:
    await service.delete(db, ref, clock=SystemClock())
    return _back(campaign)
