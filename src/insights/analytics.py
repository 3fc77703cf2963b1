"""Numbers for dashboards: the contact base, the daily activity of the last days, and each
campaign's funnel with rates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, Field

from campaigns import service as campaigns
from crm.contacts import service as contacts
from crm.db import Database
from crm.events import service as events

RECENT = timedelta(days=30)
DAY = timedelta(days=1)
ACTIVITY_DAYS = 30
# series -> the crm event kind it counts (sends come from the campaigns' deliveries)
EVENT_SERIES = {"opened": "email_opened", "clicked": "email_clicked", "submitted": "form_submitted"}


class ContactsOverview(BaseModel):
    total: int
    by_status: dict[str, int]
    by_source: dict[str, int]
    explicit_consent: int
    engaged_recently: int = Field(description="Opened, clicked or submitted in the last 30 days.")
    new_recently: int = Field(description="Added in the last 30 days.")


class DayActivity(BaseModel):
    day: date = Field(description="A UTC day.")
    sent: int = Field(description="Messages sent, all campaigns and channels.")
    opened: int = Field(description="Email opens.")
    clicked: int = Field(description="Email clicks.")
    submitted: int = Field(description="Landing page form submissions.")


class DailyActivity(BaseModel):
    days: list[DayActivity] = Field(description="Oldest first, today last; every day is there.")


class FunnelStep(BaseModel):
    step: str
    count: int
    rate: float = Field(description="Share of the step before (0-1).")


class CampaignAnalytics(BaseModel):
    id: str
    name: str
    state: str
    sent: int
    delivered: int = Field(description="Sent and not bounced.")
    opened: int
    clicked: int
    submitted: int = Field(description="Contacts who sent a form of the campaign's pages.")
    unsubscribed: int
    bounced: int
    rates: dict[str, float] = Field(
        description="delivery (of sent), open/click/submit/unsubscribe (of delivered), "
        "click_to_open (of opened)."
    )
    funnel: list[FunnelStep]


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


async def contacts_overview(db: Database, *, now: datetime | None = None) -> ContactsOverview:
    since = (now or datetime.now(UTC)) - RECENT
    return ContactsOverview.model_validate(await contacts.overview(db, since))


async def daily_activity(
    db: Database, *, days: int = ACTIVITY_DAYS, now: datetime | None = None
) -> DailyActivity:
    """Sends, opens, clicks and form submissions per UTC day over the last `days` days (today
    included), each counted in the database; a day without any shows 0."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    first = today - (days - 1) * DAY
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    until = since + days * DAY
    series = {"sent": await campaigns.sent_per_day(db, since, until)}
    for name, kind in EVENT_SERIES.items():
        series[name] = await events.per_day(db, kind, since, until)
    return DailyActivity(
        days=[
            DayActivity.model_validate(
                {"day": day} | {name: counts.get(day, 0) for name, counts in series.items()}
            )
            for day in (first + i * DAY for i in range(days))
        ]
    )


async def campaign(db: Database, key: str) -> CampaignAnalytics:
    status = await campaigns.status(db, key)
    reached = await events.contacts_per_kind(db, status.id, ["form_submitted", "unsubscribed"])
    bounced = await campaigns.bounced(db, status.id)
    delivered = max(0, status.sent - bounced)
    submitted = reached.get("form_submitted", 0)
    unsubscribed = reached.get("unsubscribed", 0)
    steps = [
        ("sent", status.sent),
        ("delivered", delivered),
        ("opened", status.opened),
        ("clicked", status.clicked),
        ("submitted", submitted),
    ]
    funnel = [
        FunnelStep(step=name, count=count, rate=1.0 if i == 0 else _rate(count, steps[i - 1][1]))
        for i, (name, count) in enumerate(steps)
    ]
    return CampaignAnalytics(
        id=status.id,
        name=status.name,
        state=status.state.value,
        sent=status.sent,
        delivered=delivered,
        opened=status.opened,
        clicked=status.clicked,
        submitted=submitted,
        unsubscribed=unsubscribed,
        bounced=bounced,
        rates={
            "delivery": _rate(delivered, status.sent),
            "open": _rate(status.opened, delivered),
            "click": _rate(status.clicked, delivered),
            "click_to_open": _rate(status.clicked, status.opened),
            "submit": _rate(submitted, delivered),
            "unsubscribe": _rate(unsubscribed, delivered),
        },
        funnel=funnel,
    )
