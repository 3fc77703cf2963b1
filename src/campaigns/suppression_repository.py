"""All SurrealQL of the global suppression list (`suppression`)."""

from __future__ import annotations

from crm.db import Database


async def suppress(db: Database, email_key: str, reason: str, detail: str | None) -> None:
    """Idempotent: an address already on the list keeps its first reason."""
    await db.query(
        "INSERT INTO suppression $row ON DUPLICATE KEY UPDATE reason = reason RETURN NONE",
        {"row": {"email_key": email_key, "reason": reason, "detail": detail}},
    )


async def unsuppress(db: Database, email_key: str) -> bool:
    rows = await db.one("DELETE suppression WHERE email_key = $k RETURN BEFORE", {"k": email_key})
    return bool(rows)


async def suppressed_among(db: Database, email_keys: list[str]) -> set[str]:
    if not email_keys:
        return set()
    rows = await db.one(
        "SELECT VALUE email_key FROM suppression WHERE email_key IN $keys", {"keys": email_keys}
    )
    return set(rows)
