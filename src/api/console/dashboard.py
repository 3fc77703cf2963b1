"""`/app`: the dashboard: the contact base, campaigns running and scheduled, the last 30 days
of sends, opens, clicks and form submissions, LLM spend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request, Response

from accounts.roles import Permission
from api.console import charts
from api.console.deps import Person, console_router
from api.console.render import page
from api.permissions import requires
from api.tenancy import Db
from campaigns import service as campaigns
from campaigns.models import State
from crm.contacts import service as contacts
from crm.llm_calls.service import recent_calls
from insights import analytics
from insights.analytics import ContactsOverview

router = console_router(prefix="/app")
WEEK = timedelta(days=7)
LEDGER = 1000  # the latest LLM calls the month's spend is summed from
SERIES = {
    "sent": "Messages sent",
    "opened": "Email opens",
    "clicked": "Email clicks",
    "submitted": "Form submissions",
}


@router.get("", **requires(Permission.READ))
async def home(request: Request, caller: Person, db: Db) -> Response:
    now = datetime.now(UTC)
    base = ContactsOverview.model_validate(await contacts.overview(db, now - WEEK))
    listed = await campaigns.list_all(db, limit=1000)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    calls = await recent_calls(db, limit=LEDGER)
    spend = sum(c.cost or 0.0 for c in calls if c.created_at >= month)
    by_status = list(base.by_status.items())
    activity = (await analytics.daily_activity(db, now=now)).days
    activity_charts = {
        label: charts.columns(
            [(d.day.isoformat(), getattr(d, name)) for d in activity], f"{label} per day"
        )
        for name, label in SERIES.items()
    }
    return page(
        request,
        "dashboard.jinja",
        caller=caller,
        title="Dashboard",
        base=base,
        running=sum(c.state is State.RUNNING for c in listed),
        scheduled=sum(bool(c.scheduled_run) for c in listed),
        spend=spend,
        by_status=by_status,
        status_chart=charts.bars(by_status, "Contacts by status"),
        activity=activity,
        activity_charts=activity_charts,
    )
