"""`/app`: the dashboard: the contact base, campaigns running and scheduled, the last 30 days
of sends, opens, clicks and form submissions, LLM spend."""

from __future__ import annotations

from fastapi import Request, Response

from accounts.roles import Permission
from api.console import charts
from api.console.deps import Person, console_router
from api.console.render import page
from api.permissions import requires
from api.tenancy import Db
from insights.dashboard import dashboard

router = console_router(prefix="/app")
SERIES = {
    "sent": "Messages sent",
    "opened": "Email opens",
    "clicked": "Email clicks",
    "submitted": "Form submissions",
}


@router.get("", **requires(Permission.READ))
async def home(request: Request, caller: Person, db: Db) -> Response:
    shown = await dashboard(db)
    by_status = list(shown.by_status.items())
    activity_charts = {
        label: charts.columns(
            [(d.day.isoformat(), getattr(d, name)) for d in shown.activity], f"{label} per day"
        )
        for name, label in SERIES.items()
    }
    return page(
        request,
        "dashboard.jinja",
        caller=caller,
        title="Dashboard",
        contacts=shown.contacts,
        new_this_week=shown.new_this_week,
        running=shown.running,
        scheduled=shown.scheduled,
        spend=shown.spend,
        by_status=by_status,
        status_chart=charts.bars(by_status, "Contacts by status"),
        activity=shown.activity,
        activity_charts=activity_charts,
    )
