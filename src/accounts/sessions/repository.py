"""All SurrealQL for the `session` table of the system database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.db import Database, plain, record

_FIELDS = "id, user, workspace, created_at, expires_at"


async def create(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    row = row | {
        "user": record("user", row["user"]),
        "workspace": record("workspace", row["workspace"]),
    }
    rows = await db.one(f"CREATE session CONTENT $row RETURN {_FIELDS}", {"row": row})
    return dict(plain(rows[0]))


async def live(db: Database, digest: str, now: datetime) -> dict[str, Any] | None:
    rows = await db.one(
        f"SELECT {_FIELDS} FROM session WHERE digest = $d AND expires_at > $now",  # noqa: S608 - constant field names; values bound
        {"d": digest, "now": now},
    )
    return dict(plain(rows[0])) if rows else None


async def delete(db: Database, digest: str) -> None:
    await db.query("DELETE session WHERE digest = $d", {"d": digest})


async def delete_expired(db: Database, user: str, now: datetime) -> None:
    await db.query(
        "DELETE session WHERE user = $u AND expires_at <= $now",
        {"u": record("user", user), "now": now},
    )
