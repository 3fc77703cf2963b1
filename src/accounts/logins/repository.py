"""All SurrealQL for the `login_failure` table of the system database."""

from __future__ import annotations

from datetime import datetime

from crm.db import Database


async def add(db: Database, keys: list[str], at: datetime, forget_before: datetime) -> None:
    """One failure under each key; failures older than `forget_before` are dropped."""
    await db.query(
        "DELETE login_failure WHERE at < $old;"
        "FOR $k IN $keys { CREATE login_failure CONTENT { key: $k, at: $at } };",
        {"keys": keys, "at": at, "old": forget_before},
    )


async def since(db: Database, key: str, since: datetime) -> list[datetime]:
    """When `key` failed after `since`, oldest first."""
    rows = await db.one(
        "SELECT at FROM login_failure WHERE key = $k AND at > $since ORDER BY at",
        {"k": key, "since": since},
    )
    return [row["at"] for row in rows]


async def clear(db: Database, key: str) -> None:
    await db.query("DELETE login_failure WHERE key = $k", {"k": key})
