"""The console dashboard's numbers: contacts added this week, campaigns running and scheduled,
this month's LLM spend (earlier months and unpriced calls left out), 30 days of activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaigns.models import State
from crm.db import Database, record
from crm.llm_calls.repository import SurrealCallStore
from factories import llm_call, make_campaign, make_contact, make_segment
from insights.dashboard import dashboard

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


async def test_the_dashboard_counts_this_week_these_campaigns_and_this_month(db: Database) -> None:
    await make_contact(db, email="ada@example.com")
    old = await make_contact(db, email="bo@example.com", status="customer")
    await db.query(
        "UPDATE $id SET created_at = $at",
        {"id": record("contact", old.id), "at": NOW - timedelta(days=8)},
    )
    await make_segment(db, name="all")
    running = await make_campaign(db, segment="all", name="Running")
    await make_campaign(db, segment="all", name="Draft")
    await db.query(
        "UPDATE $id SET state = $s",
        {"id": record("campaign", running.id), "s": State.RUNNING.value},
    )
    store = SurrealCallStore(db)
    await store.record(llm_call(0.25, at=NOW - timedelta(hours=1)))
    await store.record(llm_call(None, at=NOW - timedelta(hours=2)))
    await store.record(llm_call(0.5, at=datetime(2026, 12, 1, tzinfo=UTC)))
    await store.record(llm_call(9.0, at=datetime(2026, 11, 30, 23, 59, tzinfo=UTC)))  # last month

    shown = await dashboard(db, now=NOW)

    assert (shown.contacts, shown.new_this_week, shown.by_status) == (
        2,
        1,
        {"new": 1, "customer": 1},
    )
    assert (shown.running, shown.scheduled) == (1, 0)
    assert shown.spend == 0.75
    assert len(shown.activity) == 30 and shown.activity[-1].day == NOW.date()
