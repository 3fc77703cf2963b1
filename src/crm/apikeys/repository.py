"""All SurrealQL for the `api_key` table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.paging import is_safe_key

_FIELDS = "id, name, prefix, digest, created_at, revoked_at"


async def create(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    rows = await db.one(f"CREATE api_key CONTENT $row RETURN {_FIELDS}", {"row": row})
    return dict(plain(rows[0]))


async def by_digest(db: Database, digest: str) -> dict[str, Any] | None:
    rows = await db.one(f"SELECT {_FIELDS} FROM api_key WHERE digest = $d", {"d": digest})  # noqa: S608 - constant field names; values bound
    return dict(plain(rows[0])) if rows else None


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one(f"SELECT {_FIELDS} FROM $id", {"id": record("api_key", key)})  # noqa: S608 - constant field names; values bound
    return dict(plain(rows[0])) if rows else None


async def by_prefix(db: Database, prefix: str) -> list[dict[str, Any]]:
    rows = await db.one(f"SELECT {_FIELDS} FROM api_key WHERE prefix = $p", {"p": prefix})  # noqa: S608 - constant field names; values bound
    return [dict(plain(r)) for r in rows]


async def all_keys(db: Database) -> list[dict[str, Any]]:
    rows = await db.one(f"SELECT {_FIELDS} FROM api_key ORDER BY created_at")  # noqa: S608 - constant field names; values bound
    return [dict(plain(r)) for r in rows]


async def revoke(db: Database, key: str) -> dict[str, Any]:
    rows = await db.one(
        f"UPDATE $id SET revoked_at = revoked_at ?? $now RETURN {_FIELDS}",  # noqa: S608 - constant field names; values bound
        {"id": record("api_key", key), "now": datetime.now(UTC)},
    )
    return dict(plain(rows[0]))
