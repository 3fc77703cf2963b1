"""`/api/v1/analytics`: the contact base, daily activity, and per-campaign funnels with rates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from accounts.roles import Permission
from api.permissions import requires
from api.schemas import error_responses
from api.tenancy import Db
from insights import analytics
from insights.analytics import CampaignAnalytics, ContactsOverview, DailyActivity

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/contacts", response_model=ContactsOverview, **requires(Permission.READ))
async def contacts_overview(db: Db) -> ContactsOverview:
    return await analytics.contacts_overview(db)


@router.get("/activity", response_model=DailyActivity, **requires(Permission.READ))
async def daily_activity(
    db: Db, days: Annotated[int, Query(ge=1, le=366)] = analytics.ACTIVITY_DAYS
) -> DailyActivity:
    """Sends, opens, clicks and form submissions per UTC day, the last `days` days (today
    included); days without activity show 0."""
    return await analytics.daily_activity(db, days=days)


@router.get(
    "/campaigns/{ref}",
    response_model=CampaignAnalytics,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def campaign_analytics(ref: str, db: Db) -> CampaignAnalytics:
    """sent / delivered / opened / clicked / submitted / unsubscribed, rates and the funnel."""
    return await analytics.campaign(db, ref)
