"""What the console's dashboard shows, in one call: contacts (all, added this week, by status:
one pass over the contacts), the campaigns running and scheduled, the daily activity of the
last 30 days, this month's LLM spend."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from campaigns import service as campaigns
from campaigns.models import State
from crm.contacts import service as contacts
from crm.db import Database
from crm.llm_calls import service as llm_calls
from insights.analytics import DayActivity, daily_activity

WEEK = timedelta(days=7)
CAMPAIGNS = 1000  # the latest campaigns the running and scheduled ones are counted among


class Dashboard(BaseModel):
    contacts: int
    new_this_week: int = Field(description="Contacts added in the last 7 days.")
    by_status: dict[str, int] = Field(description="The statuses that have contacts.")
    running: int
    scheduled: int = Field(description="Campaigns with a scheduled run to come.")
    spend: float = Field(description="LLM calls since the first of this month (UTC), USD.")
    activity: list[DayActivity]


async def dashboard(db: Database, *, now: datetime | None = None) -> Dashboard:
    now = now or datetime.now(UTC)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # Side by side: the engine runs each statement on a core of its own.
    glance, listed, spend, activity = await asyncio.gather(
        contacts.glance(db, now - WEEK),
        campaigns.list_all(db, limit=CAMPAIGNS),
        llm_calls.cost_since(db, month),
        daily_activity(db, now=now),
    )
    return Dashboard(
        contacts=glance["total"],
        new_this_week=glance["new"],
        by_status=glance["by_status"],
        running=sum(c.state is State.RUNNING for c in listed),
        scheduled=sum(bool(c.scheduled_run) for c in listed),
        spend=spend,
        activity=activity.days,
    )
