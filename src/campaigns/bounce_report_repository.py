"""All SurrealQL of the bounce reports already processed (`bounce_report`), so reading a
mailbox again does not count a bounce twice."""

from __future__ import annotations

from crm.db import Database


async def seen(db: Database, key: str) -> bool:
    rows = await db.one("SELECT VALUE key FROM bounce_report WHERE key = $k", {"k": key})
    return bool(rows)


async def record(db: Database, key: str, kind: str) -> None:
    await db.query(
        "INSERT INTO bounce_report $row ON DUPLICATE KEY UPDATE kind = kind RETURN NONE",
        {"row": {"key": key, "kind": kind}},
    )
