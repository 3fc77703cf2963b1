"""A contact's events: adding them, reading them back, and keeping its engagement score
(derived from them: the one record of what happened, whoever wrote the event) up to date.

The score and counters are stored on the contact for segments to filter on
(`engagement_score`, `opens`, `clicks`, `submissions`, `last_engaged_at`, and per kind
`last_opened_at` … for `opened within 14d` and `opened_campaigns` … (the campaign keys the
events name) for `opened campaign "x"`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from crm.db import Database, record
from crm.events import repository
from crm.events.models import WEIGHTS
from crm.paging import check_limit, decode_cursor, encode_cursor


def event(contact_key: str, kind: str, **data: Any) -> dict[str, Any]:
    return {
        "contact": record("contact", contact_key),
        "kind": kind,
        "at": datetime.now(UTC),
        "data": data,
    }


async def add(db: Database, events: list[dict[str, Any]]) -> None:
    if events:
        await repository.add(db, events)


async def for_contact(db: Database, contact_key: str, *, limit: int) -> list[dict[str, Any]]:
    """The contact's stored events, newest first."""
    return await repository.for_contact(db, contact_key, limit=limit)


async def on_page(
    db: Database, kind: str, page: str, *, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the events of `kind` naming the landing page `page` (slug), newest first,
    each with its contact's email, and the cursor of the next page (None: the last)."""
    rows = await repository.of_kind_on_page(
        db, kind, page, before=decode_cursor(cursor), limit=check_limit(limit) + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]["id"]) if more else None


async def refresh_engagement(
    db: Database, contact_key: str, *, now: datetime | None = None
) -> None:
    """Recompute the contact's score and counters from its events."""
    await repository.refresh_engagement(db, contact_key, now or datetime.now(UTC))


async def record_event(
    db: Database, contact_key: str, kind: str, *, at: datetime | None = None, **data: Any
) -> None:
    """Add an event to the contact's timeline and bring its score up to date."""
    new = event(contact_key, kind, **data)
    if at is not None:
        new["at"] = at
    await add(db, [new])
    if kind in WEIGHTS:
        await refresh_engagement(db, contact_key, now=at)


async def contacts_per_kind(db: Database, campaign_key: str, kinds: list[str]) -> dict[str, int]:
    """How many distinct contacts have an event of each of `kinds` naming the campaign."""
    return await repository.contacts_per_kind(db, campaign_key, kinds)


async def per_day(db: Database, kind: str, since: datetime, until: datetime) -> dict[date, int]:
    """How many events of `kind` happened each UTC day in [since, until); days
    without any are left out."""
    return await repository.per_day(db, kind, since, until)
