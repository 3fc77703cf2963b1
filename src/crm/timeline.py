"""A contact's timeline: stored events plus the enrichment runs its record holds (its creation,
which the record holds too, is added by crm.contacts.service)."""

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
    """Newest first: stored events and the enrichment runs that changed the contact, which its
    provenance records (crm.enrichment.provenance)."""
    rows, log = await db.query(
        "SELECT kind, at, data FROM event WHERE contact = $id ORDER BY at DESC LIMIT $limit;"
        "SELECT VALUE enrichment FROM ONLY $id",
        {"id": record("contact", contact_key), "limit": limit},
    )
    events = [dict(plain(r)) for r in rows] + provenance.events(log or {})
    events.sort(key=lambda e: e["at"], reverse=True)
    return events[:limit]
