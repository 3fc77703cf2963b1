"""A contact's timeline: stored events plus entries read from the records that already hold
them: the enrichment runs (the contact's provenance) and the messages sent to it (its delivery
records). Its creation, which the record holds too, is added by crm.contacts.service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.enrichment import provenance


def event(contact_key: str, kind: str, **data: Any) -> dict[str, Any]:
    return {
        "contact": record("contact", contact_key),
        "kind": kind,
        "at": datetime.now(UTC),
        "data": data,
    }


async def add(db: Database, events: list[dict[str, Any]]) -> None:
    if events:
        await db.query("INSERT INTO event $events RETURN NONE", {"events": events})


async def for_contact(db: Database, contact_key: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Newest first: stored events, the messages sent (a delivery's `sent_at` is only ever set
    when its message went out) and the enrichment runs that changed the contact."""
    rows, sent, log = await db.query(
        "SELECT kind, at, data FROM event WHERE contact = $id ORDER BY at DESC LIMIT $limit;"
        "SELECT channel, sent_at, record::id(campaign) AS campaign FROM delivery"
        " WHERE contact = $id AND sent_at != NONE ORDER BY sent_at DESC LIMIT $limit;"
        "SELECT VALUE enrichment FROM ONLY $id",
        {"id": record("contact", contact_key), "limit": limit},
    )
    events = [dict(plain(r)) for r in rows] + provenance.events(log or {})
    events += [
        {"kind": f"{d['channel']}_sent", "at": d["sent_at"], "data": {"campaign": d["campaign"]}}
        for d in sent
    ]
    events.sort(key=lambda e: e["at"], reverse=True)
    return events[:limit]
