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


async def live_resolved(db: Database, digest: str, now: datetime) -> dict[str, Any] | None:
    """The live session with its user's email, the user's role in its workspace and the
    workspace, in one query (links followed, the membership by its (user, workspace) index);
    email, role or place are NONE when the user, membership or workspace is gone."""
    rows = await db.one(
        f"SELECT {_FIELDS}, user.email AS email, (SELECT VALUE role FROM membership"  # noqa: S608 - constant field names; values bound
        " WHERE user = $parent.user AND workspace = $parent.workspace LIMIT 1)[0] AS role,"
        " IF workspace.name != NONE THEN {id: workspace.id, name: workspace.name,"
        " database: workspace.database, created_at: workspace.created_at,"
        " four_eyes: workspace.four_eyes ?? false} END AS place"
        " FROM session WHERE digest = $d AND expires_at > $now",
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
