"""A page's form submissions come newest first, a page at a time, each exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

from crm.db import Database
from crm.events import service as events
from factories import make_contact, make_page
from landing_pages import service

BASE = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)
# Times whose fractions end in zeros among others of the same second: the engine's index on
# `at` sorts such a time after later ones (surrealdb/surrealdb#7493).
MICROSECONDS = [0, 1, 500000, 500001, 641998, 642000, 642002, 642007, 643000, 999999]


async def test_every_submission_shows_once_in_time_order(db: Database) -> None:
    page = await make_page(db, slug="spring")
    contact = await make_contact(db, email="many@example.com")
    submitted = []
    for n in MICROSECONDS:
        made = events.event(contact.id, "form_submitted", page="spring", answers={"n": str(n)})
        made["at"] = BASE.replace(microsecond=n)
        submitted.append(made)
    await events.add(db, submitted)

    seen: list[datetime] = []
    cursor = None
    while True:
        found = await service.submissions(db, page.id, cursor=cursor, limit=3)
        seen += [s.at for s in found.items]
        cursor = found.next_cursor
        if cursor is None:
            break

    assert seen == sorted((BASE.replace(microsecond=n) for n in MICROSECONDS), reverse=True)
