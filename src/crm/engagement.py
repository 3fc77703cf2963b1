"""Engagement: a score from the contact's opens, clicks and form submissions, with recency decay.

Each engagement event on the timeline is worth its weight, halved for every `HALF_LIFE` of
age, so recent interest counts more than old interest. The score and counters are derived from
the timeline (the one record of what happened, whoever wrote the event) and stored on the
contact for segments to filter on (`engagement_score`, `opens`, `clicks`, `submissions`,
`last_engaged_at`, and per kind `last_opened_at` … for `opened within 14d` and
`opened_campaigns` … (the campaign keys the events name) for `opened campaign "x"`); `refresh`
recomputes them after each new event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crm import timeline
from crm.db import Database, record

HALF_LIFE = timedelta(days=30)
WEIGHTS = {"email_opened": 1.0, "email_clicked": 3.0, "form_submitted": 10.0}


def score(events: list[tuple[str, datetime]], now: datetime) -> float:
    """The same formula as `refresh`, for reading and testing."""
    half = HALF_LIFE.total_seconds()
    return float(
        sum(
            WEIGHTS.get(kind, 0.0) * 0.5 ** (max(0.0, (now - at).total_seconds()) / half)
            for kind, at in events
        )
    )


async def refresh(db: Database, contact_key: str, *, now: datetime | None = None) -> None:
    """Recompute the contact's score and counters from its timeline, in one transaction."""
    await db.query(
        "BEGIN;"
        "LET $events = SELECT kind, at, data.campaign AS campaign, $weights[kind] * math::pow(0.5,"
        " math::max([0, time::unix($now) - time::unix(at)]) / $half) AS score"
        " FROM event WHERE contact = $id AND kind IN object::keys($weights);"
        "LET $named = $events[WHERE type::is::string(campaign)];"
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
            "now": now or datetime.now(UTC),
            "half": HALF_LIFE.total_seconds(),
            "weights": WEIGHTS,
        },
    )


async def record_event(
    db: Database, contact_key: str, kind: str, *, at: datetime | None = None, **data: Any
) -> None:
    """Add an event to the contact's timeline and bring its score up to date."""
    event = timeline.event(contact_key, kind, **data)
    if at is not None:
        event["at"] = at
    await timeline.add(db, [event])
    if kind in WEIGHTS:
        await refresh(db, contact_key, now=at)
