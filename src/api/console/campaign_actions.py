"""What a campaign's page can do: generate (a job), regenerate one asset (a job), edit an
asset (a new version), approve, run, pause, resume, resolve the review queue."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from accounts.audit.actions import Action
from accounts.roles import Permission
from api import campaign_jobs
from api.console.deps import Person, console_router
from api.permissions import requires
from api.tenancy import Db, Here
from campaigns import approval, assets, executor, service
from campaigns.models import EMAIL

router = console_router(prefix="/app/campaigns/{ref}")


def _back(campaign_id: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/app/campaigns/{quote(campaign_id)}{anchor}", status_code=303)


@router.post("/generate", **requires(Permission.WRITE, audit=Action.CAMPAIGN_GENERATE))
async def generate(caller: Person, db: Db, here: Here, ref: str) -> Response:
    campaign = await service.require(db, ref)
    campaign_jobs.generate(here, campaign.id)
    return _back(campaign.id)


@router.post(
    "/assets/{channel}/{variant}/regenerate",
    **requires(Permission.WRITE, audit=Action.CAMPAIGN_REGENERATE),
)
async def regenerate_asset(
    caller: Person, db: Db, here: Here, ref: str, channel: str, variant: str
) -> Response:
    campaign = await assets.require_asset(db, ref, channel, variant)
    campaign_jobs.generate(here, campaign.id, only=(channel, variant))
    return _back(campaign.id, "#assets")


@router.post(
    "/assets/{channel}/{variant}",
    **requires(Permission.WRITE, audit=Action.CAMPAIGN_ASSET_EDIT),
)
async def edit_asset(
    request: Request, caller: Person, db: Db, ref: str, channel: str, variant: str
) -> Response:
    form = await request.form()
    parts = ("subject", "preheader", "body") if channel == EMAIL else ("text",)
    changes = {p: str(form[p]) for p in parts if str(form.get(p) or "").strip()}
    edited = await assets.edit_asset(
        db, ref, channel, changes, variant=variant, edited_by=caller.id
    )
    return _back(edited.campaign, "#assets")


@router.post("/approve", **requires(Permission.APPROVE, audit=Action.CAMPAIGN_APPROVE))
async def approve(
    caller: Person,
    db: Db,
    here: Here,
    ref: str,
    override: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    approver = caller.id if here.workspace.four_eyes else None
    approved = await approval.approve(
        db, ref, here.settings, override=override or None, approver=approver
    )
    return _back(approved.id)


@router.post("/run", **requires(Permission.SEND, audit=Action.CAMPAIGN_EXECUTE))
async def run(caller: Person, db: Db, here: Here, ref: str) -> Response:
    campaign = await service.require(db, ref)
    campaign_jobs.run(here, campaign.id, executor.Options())
    return _back(campaign.id)


@router.post("/pause", **requires(Permission.SEND, audit=Action.CAMPAIGN_PAUSE))
async def pause(caller: Person, db: Db, ref: str) -> Response:
    paused = await service.pause(db, ref)
    return _back(paused.id)


@router.post("/resume", **requires(Permission.SEND, audit=Action.CAMPAIGN_RESUME))
async def resume(caller: Person, db: Db, here: Here, ref: str) -> Response:
    campaign = await service.require(db, ref)
    campaign_jobs.resume(here, campaign.id, executor.Options())
    return _back(campaign.id)


@router.post("/review", **requires(Permission.SEND, audit=Action.CAMPAIGN_REVIEW))
async def resolve_review(
    caller: Person,
    db: Db,
    ref: str,
    delivery: Annotated[str, Form(max_length=200)],
    outcome: Annotated[str, Form(pattern="^(sent|not_sent)$")],
) -> Response:
    await service.resolve_review(db, ref, [delivery], sent=outcome == "sent")
    return _back(ref, "#review")
