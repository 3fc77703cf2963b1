"""A contact's timeline: stored events plus its creation, which the contact record itself holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record


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
    """Newest first."""
    rows = await db.one(
        "SELECT kind, at, data FROM event WHERE contact = $id ORDER BY at DESC LIMIT $limit",
        {"id": record("contact", contact_key), "limit": limit},
    )
    return [dict(plain(r)) for r in rows]
