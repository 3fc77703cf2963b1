"""All SurrealQL for the `company` table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.db import Database, new_key, plain, record
from crm.paging import is_safe_key, keyset
from kernel.errors import Conflict


async def create(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    created = await db.one("CREATE company CONTENT $row", {"row": row})
    return dict(plain(created[0]))


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one("SELECT * FROM $id", {"id": record("company", key)})
    return dict(plain(rows[0])) if rows else None


async def find(
    db: Database, *, domain: str | None = None, name_key: str | None = None
) -> dict[str, Any] | None:
    if domain:
        rows = await db.one("SELECT * FROM company WHERE domain = $v LIMIT 1", {"v": domain})
    else:
        rows = await db.one("SELECT * FROM company WHERE name_key = $v LIMIT 1", {"v": name_key})
    return dict(plain(rows[0])) if rows else None


async def ids_by_name_keys(db: Database, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = await db.one("SELECT id, name_key FROM company WHERE name_key IN $keys", {"keys": keys})
    return {row["name_key"]: plain(row["id"]) for row in rows}


async def insert_many(db: Database, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Insert companies under new short keys (`new_key`); returns name_key -> key. Keys are
    drawn again, for all of them, in the unlikely case one was taken."""
    if not rows:
        return {}
    for attempt in range(3):
        keyed = [{**row, "id": record("company", new_key())} for row in rows]
        try:
            created = await db.one("INSERT INTO company $rows RETURN id, name_key", {"rows": keyed})
        except Conflict:  # no unique index holds these rows' fields: only a key can be taken
            if attempt == 2:
                raise
            continue
        break
    return {row["name_key"]: plain(row["id"]) for row in created}


async def update(db: Database, key: str, changes: dict[str, Any]) -> dict[str, Any]:
    rows = await db.one(
        "UPDATE $id MERGE $changes",
        {"id": record("company", key), "changes": {**changes, "updated_at": datetime.now(UTC)}},
    )
    return dict(plain(rows[0]))


async def delete(db: Database, key: str) -> bool:
    """Delete the company; its contacts stay, unlinked."""
    deleted = await db.query(
        "UPDATE contact SET company = NONE WHERE company = $id RETURN NONE;"
        "DELETE $id RETURN BEFORE",
        {"id": record("company", key)},
    )
    return bool(deleted[-1])


async def page(db: Database, *, after: str | None, limit: int) -> list[dict[str, Any]]:
    source, cursor = keyset("company", after)
    rows = await db.one(f"SELECT * FROM {source} LIMIT $limit", {"limit": limit, **cursor})  # noqa: S608
    return [dict(plain(r)) for r in rows]
