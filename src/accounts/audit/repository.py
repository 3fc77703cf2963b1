"""All SurrealQL for the `audit` table of the system database (append and read; no update)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.db import Database, plain

_FIELDS = "id, action, actor, actor_name, target, workspace, ip, at, details"


async def append(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    rows = await db.one(f"CREATE audit CONTENT $row RETURN {_FIELDS}", {"row": row})
    return dict(plain(rows[0]))


async def since(
    db: Database, workspace: str, since: datetime | None, limit: int
) -> list[dict[str, Any]]:
    where = "workspace = $ws" + (" AND at >= $since" if since else "")
    rows = await db.one(
        f"SELECT {_FIELDS} FROM audit WHERE {where} ORDER BY at DESC LIMIT $limit",  # noqa: S608 - constant field names; values bound
        {"ws": workspace, "since": since, "limit": limit},
    )
    return [dict(plain(r)) for r in rows]
