"""All SurrealQL for the `api_key` table of the system database (and for reading the keys a
workspace database held before workspaces existed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.paging import is_safe_key

_FIELDS = "id, name, prefix, digest, workspace, role, created_at, revoked_at"


def _row(found: dict[str, Any]) -> dict[str, Any]:
    return dict(plain(found))


async def create(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    row = row | {
        "workspace": record("workspace", row["workspace"]),
        "created_at": datetime.now(UTC),
    }
    rows = await db.one(f"CREATE api_key CONTENT $row RETURN {_FIELDS}", {"row": row})
    return _row(rows[0])


async def by_digest(db: Database, digest: str) -> dict[str, Any] | None:
    """The key with its workspace record (`ws`), in one query."""
    rows = await db.one(
        f"SELECT {_FIELDS}, workspace.* AS ws FROM api_key WHERE digest = $d",  # noqa: S608 - constant field names; values bound
        {"d": digest},
    )
    return _row(rows[0]) if rows else None


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one(f"SELECT {_FIELDS} FROM $id", {"id": record("api_key", key)})  # noqa: S608 - constant field names; values bound
    return _row(rows[0]) if rows else None


async def by_prefix(db: Database, prefix: str) -> list[dict[str, Any]]:
    rows = await db.one(f"SELECT {_FIELDS} FROM api_key WHERE prefix = $p", {"p": prefix})  # noqa: S608 - constant field names; values bound
    return [_row(r) for r in rows]


async def in_workspace(db: Database, workspace: str | None) -> list[dict[str, Any]]:
    where = "" if workspace is None else "WHERE workspace = $ws"
    rows = await db.one(
        f"SELECT {_FIELDS} FROM api_key {where} ORDER BY created_at",  # noqa: S608 - constant field names; values bound
        {"ws": record("workspace", workspace or "-")},
    )
    return [_row(r) for r in rows]


async def revoke(db: Database, key: str) -> dict[str, Any]:
    rows = await db.one(
        f"UPDATE $id SET revoked_at = revoked_at ?? $now RETURN {_FIELDS}",  # noqa: S608 - constant field names; values bound
        {"id": record("api_key", key), "now": datetime.now(UTC)},
    )
    return _row(rows[0])


async def from_before_workspaces(data: Database) -> list[dict[str, Any]]:
    """Keys `crm apikeys create` stored in the data database before workspaces existed."""
    rows = await data.one("SELECT name, prefix, digest, created_at, revoked_at FROM api_key")
    return [_row(r) for r in rows]


async def adopt(db: Database, rows: list[dict[str, Any]]) -> None:
    """Store keys made before workspaces, keeping their digests; known digests are skipped."""
    await db.query(
        "FOR $row IN $rows { IF (SELECT VALUE id FROM api_key WHERE digest = $row.digest) = [] "
        "{ CREATE api_key CONTENT $row; }; };",
        {"rows": [r | {"workspace": record("workspace", r["workspace"])} for r in rows]},
    )
