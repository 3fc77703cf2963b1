"""`/app/campaigns`: the list, create from a brief, and a campaign's page (state and counts,
assets per channel with the quality gate's findings, the funnel, the review queue)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.console import charts
from api.console.deps import Person, console_router
from api.console.email_frame import frame_url
from api.console.render import page
from api.permissions import Note, requires
from api.tenancy import Db, Here
from campaigns import asset_jobs, assets, quality, service
from campaigns.models import CHANNELS, EMAIL, CampaignCreate, State, is_social
from crm.segments import service as segments
from insights import analytics
from llm_tools.social_post import LIMITS

router = console_router(prefix="/app/campaigns")
BUSY = frozenset({State.GENERATING, State.RUNNING})


@router.get("", **requires(Permission.READ))
async def campaigns_page(request: Request, caller: Person, db: Db) -> Response:
    return page(
        request,
        "campaigns.jinja",
        caller=caller,
        title="Campaigns",
        campaigns=await service.list_all(db),
        segments=await segments.list_all(db),
        channels=CHANNELS,
        message="",
    )


@router.post("", **requires(Permission.WRITE, audit=Action.CAMPAIGN_CREATE))
async def create_campaign(
    request: Request,
    caller: Person,
    db: Db,
    name: Annotated[str, Form(max_length=200)],
    segment: Annotated[str, Form(max_length=200)],
    goal: Annotated[str, Form(max_length=5000)],
    channel: Annotated[list[str], Form()],
    note: Note,
    offer: Annotated[str, Form(max_length=2000)] = "",
    call_to_action: Annotated[str, Form(max_length=200)] = "",
    link: Annotated[str, Form(max_length=2000)] = "",
    from_email: Annotated[str, Form(max_length=320)] = "",
    sender_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    brief = {"goal": goal, "offer": offer, "call_to_action": call_to_action, "link": link}
    try:
        data = CampaignCreate.model_validate(
            {
                "name": name,
                "segment": segment,
                "channels": channel,
                "brief": {k: v for k, v in brief.items() if v},
                "from_email": from_email or None,
                "sender_name": sender_name or None,
            }
        )
    except ValidationError as exc:
        note.done = False
        return page(
            request,
            "campaigns.jinja",
            caller=caller,
            status_code=422,
            title="Campaigns",
            campaigns=await service.list_all(db),
            segments=await segments.list_all(db),
            channels=CHANNELS,
            message="; ".join(str(e["msg"]) for e in exc.errors()),
        )
    made = await service.create(db, data)
    note.target = Action.CAMPAIGN_CREATE.target(made.id)
    return RedirectResponse(f"/app/campaigns/{quote(made.id)}", status_code=303)


@router.get("/{ref}", **requires(Permission.READ))
async def campaign_page(request: Request, caller: Person, db: Db, here: Here, ref: str) -> Response:
    campaign = await service.require(db, ref)
    current = await assets.list_assets(db, campaign.id)
    shown = [a for a in current if not a.variant.startswith("contact:")]
    funnel = await analytics.campaign(db, campaign.id)
    progress = None
    if campaign.state is State.GENERATING:
        total = await asset_jobs.count_jobs(db, campaign, personalize=campaign.personalize)
        progress = {"done": min(len(current), total), "total": total}
    return page(
        request,
        "campaign.jinja",
        caller=caller,
        title=campaign.name,
        campaign=campaign,
        status=await service.status(db, campaign.id),
        assets=shown,
        personalised=len(current) - len(shown),
        findings=quality.check(campaign, current),
        funnel=funnel,
        funnel_chart=charts.bars([(s.step, s.count) for s in funnel.funnel], "Funnel"),
        review=await service.needing_review(db, campaign.id, limit=100),
        busy=campaign.state in BUSY,
        progress=progress,
        EMAIL=EMAIL,
        frames={
            (a.channel, a.variant): frame_url(here, campaign.id, a.channel, a.variant)
            for a in shown
        },
        is_social=is_social,
        limits=LIMITS,
    )
