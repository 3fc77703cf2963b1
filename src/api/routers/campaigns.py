"""`/api/v1/campaigns`: create, list, show, plan and generate assets (202), regenerate one
asset (202), an asset's versions, edit an asset, approve, execute (202), pause, resume (202),
cancel, status, test-send."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from accounts.audit.actions import Action
from accounts.roles import Permission
from api import campaign_jobs
from api.auth import Caller
from api.permissions import requires
from api.schemas import Job, error_responses
from api.tenancy import Db, Here
from campaigns import approval, asset_jobs, assets, executor, service, test_send
from campaigns.models import Asset, Campaign, CampaignCreate, Status
from campaigns.test_send import TestSend
from kernel.errors import ValidationFailed

router = APIRouter(prefix="/campaigns", tags=["campaigns"])

CAMPAIGN_EXAMPLE: dict[str, Any] = {
    "name": "Spring launch",
    "segment": "de-vips",
    "channels": ["email"],
    "brief": {
        "goal": "Invite our best customers to the spring release webinar.",
        "offer": "Early access to the new reporting module",
        "call_to_action": "Save your seat",
        "link": "https://example.com/webinar",
    },
    "from_email": "hello@example.com",
    "sender_name": "Example",
}


class CampaignList(BaseModel):
    items: list[Campaign]


class AssetList(BaseModel):
    items: list[Asset]


class CtaEdit(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})
    label: str | None = Field(default=None, description="The button's text.")
    url: str | None = Field(
        default=None, description="Where it goes; the body's link to the old URL follows."
    )


class AssetEdit(BaseModel):
    """The parts to change; what depends on them is derived again (see `crm campaigns
    edit-asset`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})
    subject: str | None = None
    preheader: str | None = None
    body: str | None = Field(default=None, description="Email: the plain-text body.")
    body_html: str | None = None
    text: str | None = Field(default=None, description="Social post: the text.")
    cta: CtaEdit | None = Field(default=None, description="Email: the call to action.")


class GenerationPlan(BaseModel):
    calls: int = Field(description="LLM calls a generation with these options would make.")


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    override: str | None = Field(
        default=None,
        min_length=1,
        description="Why to approve despite the quality gate's findings (recorded).",
    )


@router.get("", response_model=CampaignList, **requires(Permission.READ))
async def list_campaigns(db: Db, limit: int = Query(default=100, ge=1, le=1000)) -> CampaignList:
    return CampaignList(items=await service.list_all(db, limit=limit))


@router.post("", response_model=Campaign, status_code=201, **requires(Permission.WRITE))
async def create_campaign(
    db: Db,
    data: Annotated[
        CampaignCreate,
        Body(openapi_examples={"campaign": {"summary": "An email", "value": CAMPAIGN_EXAMPLE}}),
    ],
) -> Campaign:
    return await service.create(db, data)


@router.get(
    "/{ref}", response_model=Campaign, responses=error_responses(404), **requires(Permission.READ)
)
async def get_campaign(ref: str, db: Db) -> Campaign:
    return await service.require(db, ref)


@router.get(
    "/{ref}/status",
    response_model=Status,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def campaign_status(ref: str, db: Db) -> Status:
    return await service.status(db, ref)


@router.post(
    "/{ref}/assets",
    response_model=Job,
    status_code=202,
    responses=error_responses(404),
    **requires(Permission.WRITE),
)
async def generate_assets(
    ref: str,
    db: Db,
    here: Here,
    regenerate: bool = Query(default=False, description="Rewrite assets not edited by hand."),
    personalize: bool | None = Query(
        default=None, description="Also write one email per contact (default: the campaign's)."
    ),
) -> Job:
    """Write the campaign's assets with the LLM; answers 202 with the job to poll."""
    campaign = await service.require(db, ref)
    return campaign_jobs.generate(here, campaign.id, personalize=personalize, regenerate=regenerate)


@router.get(
    "/{ref}/assets/plan",
    response_model=GenerationPlan,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def plan_assets(
    ref: str,
    db: Db,
    regenerate: bool = Query(default=False),
    personalize: bool | None = Query(default=None),
) -> GenerationPlan:
    """What generating the assets with these options would cost, before any call: the
    assets still missing (with `regenerate`, those not edited by hand) are one call each."""
    calls = await asset_jobs.planned_calls(db, ref, personalize=personalize, regenerate=regenerate)
    return GenerationPlan(calls=calls)


@router.get(
    "/{ref}/assets",
    response_model=AssetList,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def list_assets(
    ref: str,
    db: Db,
    history: bool = Query(default=False, description="Every version, not only the current."),
) -> AssetList:
    return AssetList(items=await assets.list_assets(db, ref, history=history))


@router.post(
    "/{ref}/assets/{channel}/{variant}/regenerate",
    response_model=Job,
    status_code=202,
    responses=error_responses(404),
    **requires(Permission.WRITE, audit=Action.CAMPAIGN_REGENERATE),
)
async def regenerate_asset(ref: str, channel: str, variant: str, db: Db, here: Here) -> Job:
    """Write one existing asset again with the LLM, a new version even over a hand edit;
    answers 202 with the job to poll; 404 when the campaign has no such asset."""
    campaign = await assets.require_asset(db, ref, channel, variant)
    return campaign_jobs.generate(here, campaign.id, only=(channel, variant))


@router.get(
    "/{ref}/assets/{channel}/{variant}/versions",
    response_model=AssetList,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def asset_versions(ref: str, channel: str, variant: str, db: Db) -> AssetList:
    """Every version of one asset, oldest first: each hand edit is one, with who made it."""
    return AssetList(items=await assets.versions(db, ref, channel, variant))


@router.patch(
    "/{ref}/assets/{channel}/{variant}",
    response_model=Asset,
    responses=error_responses(404, 422),
    **requires(Permission.WRITE),
)
async def edit_asset(
    ref: str, channel: str, variant: str, db: Db, caller: Caller, edit: AssetEdit
) -> Asset:
    """A hand edit: a new version marked `edited` (by the caller), which later generations
    keep."""
    changes = edit.model_dump(exclude_none=True)
    if not changes:
        raise ValidationFailed("give at least one part to change")
    return await assets.edit_asset(db, ref, channel, changes, variant=variant, edited_by=caller.id)


@router.post(
    "/{ref}/approve",
    response_model=Campaign,
    responses=error_responses(404, 409, 422),
    **requires(Permission.APPROVE, audit=Action.CAMPAIGN_APPROVE),
)
async def approve_campaign(
    ref: str, db: Db, here: Here, caller: Caller, body: ApprovalIn | None = None
) -> Campaign:
    """Quality findings answer 422 with the findings, unless `override` gives a reason. With
    the workspace's four-eyes rule, whoever edited the assets last cannot approve (409)."""
    override = body.override if body else None
    approver = caller.id if here.workspace.four_eyes else None
    return await approval.approve(db, ref, here.settings, override=override, approver=approver)


class TestSendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(description="Where to send the test email.", examples=["me@example.com"])
    contact: str | None = Field(
        default=None,
        description="Render it as this contact (id or email) gets it; default: "
        "the segment's first member.",
    )


@router.post(
    "/{ref}/test-send",
    response_model=TestSend,
    responses=error_responses(404, 422),
    **requires(Permission.TEST_SEND),
)
async def test_send_campaign(ref: str, body: TestSendIn, db: Db, here: Here) -> TestSend:
    """Send the email a contact would get to `to`, marked as a test; nothing about the campaign
    changes."""
    return await test_send.test_send(db, ref, here.settings, to=body.to, contact=body.contact)


@router.post(
    "/{ref}/execute",
    response_model=Job,
    status_code=202,
    responses=error_responses(404, 409),
    **requires(Permission.SEND, audit=Action.CAMPAIGN_EXECUTE),
)
async def execute_campaign(
    ref: str,
    db: Db,
    here: Here,
    dry_run: bool = Query(default=False, description="Render every message; send nothing."),
) -> Job:
    """Start sending an approved campaign; answers 202 with the job to poll."""
    campaign = await service.require(db, ref)
    return campaign_jobs.run(here, campaign.id, executor.Options(dry_run=dry_run))


@router.post(
    "/{ref}/pause",
    response_model=Campaign,
    responses=error_responses(404, 409),
    **requires(Permission.SEND, audit=Action.CAMPAIGN_PAUSE),
)
async def pause_campaign(ref: str, db: Db) -> Campaign:
    return await service.pause(db, ref)


@router.post(
    "/{ref}/resume",
    response_model=Job,
    status_code=202,
    responses=error_responses(404, 409),
    **requires(Permission.SEND, audit=Action.CAMPAIGN_RESUME),
)
async def resume_campaign(
    ref: str,
    db: Db,
    here: Here,
    force: bool = Query(
        default=False, description="Take over a running campaign whose process is known gone."
    ),
) -> Job:
    campaign = await service.require(db, ref)
    return campaign_jobs.resume(here, campaign.id, executor.Options(force=force))


@router.post(
    "/{ref}/cancel",
    response_model=Campaign,
    responses=error_responses(404, 409),
    **requires(Permission.SEND, audit=Action.CAMPAIGN_CANCEL),
)
async def cancel_campaign(ref: str, db: Db) -> Campaign:
    return await service.cancel(db, ref)
