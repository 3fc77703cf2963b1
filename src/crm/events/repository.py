"""All SurrealQL for the `event` table, and the engagement counters derived from it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.events.models import HALF_LIFE, WEIGHTS


async def add(db: Database, events: list[dict[str, Any]]) -> None:
    await db.query("INSERT INTO event $events RETURN NONE", {"events": events})


async def for_contact(db: Database, contact_key: str, *, limit: int) -> list[dict[str, Any]]:
    rows = await db.one(
        "SELECT kind, at, data FROM event WHERE contact = $id ORDER BY at DESC LIMIT $limit",
        {"id": record("contact", contact_key), "limit": limit},
    )
    return [dict(plain(r)) for r in rows]


async def of_kind_on_page(
    db: Database, kind: str, page: str, *, before: str | None, limit: int
) -> list[dict[str, Any]]:
    """Events of `kind` naming the landing page `page`, newest first, from past the event
    `before` (a cursor: its time, then its id, break the order's ties).

    Sorted outside the query that finds them: ordered by `at` itself, the engine took the order
    from the `event_kind_at` index, which sorts a time whose fraction ends in zeros after later
    ones of the same second (surrealdb/surrealdb#7493), and a page then repeated an event of
    the page before it. Each email is looked up for the page's events alone."""
    rows = await db.one(
        "SELECT id, kind, at, data, contact, contact.email AS email FROM (SELECT * FROM event"
        " WHERE kind = $kind AND data.page = $page"
        " AND ($before = NONE OR at < $before.at OR (at = $before.at AND id < $before)))"
        " ORDER BY at DESC, id DESC LIMIT $limit",
        {
            "kind": kind,
            "page": page,
            "before": None if before is None else record("event", before),
            "limit": limit,
        },
    )
    return [dict(plain(r)) for r in rows]


async def refresh_engagement(db: Database, contact_key: str, now: datetime) -> None:
    """Recompute the contact's score and counters from its events, in one transaction."""
    await db.query(
        "BEGIN;"
        "LET $events = SELECT kind, at, data.campaign AS campaign, $weights[kind] * math::pow(0.5,"
        " math::max([0, time::unix($now) - time::unix(at)]) / $half) AS score"
        " FROM event WHERE contact = $id AND kind IN object::keys($weights);"
        "LET $named = $events[WHERE campaign.is_string()];"
        "UPDATE $id SET engagement_score = math::sum($events.score),"
        " opens = count($events[WHERE kind = 'email_opened']),"
        " clicks = count($events[WHERE kind = 'email_clicked']),"
        " submissions = count($events[WHERE kind = 'form_submitted']),"
        " last_engaged_at = array::max($events.at),"
        " last_opened_at = array::max($events[WHERE kind = 'email_opened'].at),"
        " last_clicked_at = array::max($events[WHERE kind = 'email_clicked'].at),"
        " last_submitted_at = array::max($events[WHERE kind = 'form_submitted'].at),"
        " opened_campaigns = array::distinct($named[WHERE kind = 'email_opened'].campaign),"
        " clicked_campaigns = array::distinct($named[WHERE kind = 'email_clicked'].campaign),"
        " submitted_campaigns = array::distinct($named[WHERE kind = 'form_submitted'].campaign)"
        " RETURN NONE;"
        "COMMIT;",
        {
            "id": record("contact", contact_key),
            "now": now,
            "half": HALF_LIFE.total_seconds(),
            "weights": WEIGHTS,
        },
    )


async def contacts_per_kind(db: Database, campaign: str, kinds: list[str]) -> dict[str, int]:
    """Distinct contacts per event kind among the campaign's events of `kinds`."""
    rows = await db.one(
        "SELECT kind, count(array::distinct(contacts)) AS n FROM ("
        " SELECT kind, array::group(contact) AS contacts FROM event"
        " WHERE data.campaign = $c AND kind IN $kinds"
        " GROUP BY kind)",
        {"c": campaign, "kinds": kinds},
    )
    return {r["kind"]: int(r["n"]) for r in rows}


async def per_day(db: Database, kind: str, since: datetime, until: datetime) -> dict[date, int]:
    """Events of `kind` in [since, until) per UTC day, counted in the database
    over a range of the (kind, at) index."""
    rows = await db.one(
        "SELECT time::floor(at, 1d) AS day, count() AS n FROM event"
        " WHERE kind = $kind AND at >= $since AND at < $until GROUP BY day",
        {"kind": kind, "since": since, "until": until},
    )
    return {r["day"].date(): int(r["n"]) for r in rows}
