"""`/api/v1/analytics`: the contact base, and per-campaign funnels with rates."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller
from api.deps import Db
from api.schemas import error_responses
from insights import analytics
from insights.analytics import CampaignAnalytics, ContactsOverview

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/contacts", response_model=ContactsOverview)
async def contacts_overview(db: Db, caller: Caller) -> ContactsOverview:
    return await analytics.contacts_overview(db)


@router.get("/campaigns/{ref}", response_model=CampaignAnalytics, responses=error_responses(404))
async def campaign_analytics(ref: str, db: Db, caller: Caller) -> CampaignAnalytics:
    """sent / delivered / opened / clicked / submitted / unsubscribed, rates and the funnel."""
    return await analytics.campaign(db, ref)
