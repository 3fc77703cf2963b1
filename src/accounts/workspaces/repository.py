"""All SurrealQL for the `workspace` table (in the system database), and for removing a
workspace's own database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.paging import is_safe_key

_FIELDS = "id, name, database, created_at, four_eyes ?? false AS four_eyes"


async def create(db: Database, key: str, row: dict[str, Any]) -> dict[str, Any]:
    rows = await db.one(
        f"CREATE $id CONTENT $row RETURN {_FIELDS}",
        {"id": record("workspace", key), "row": row | {"created_at": datetime.now(UTC)}},
    )
    return dict(plain(rows[0]))


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one(f"SELECT {_FIELDS} FROM $id", {"id": record("workspace", key)})  # noqa: S608 - constant field names; values bound
    return dict(plain(rows[0])) if rows else None


async def by_name(db: Database, name_key: str) -> dict[str, Any] | None:
    rows = await db.one(
        f"SELECT {_FIELDS} FROM workspace WHERE name_key = $n",  # noqa: S608 - constant field names; values bound
        {"n": name_key},
    )
    return dict(plain(rows[0])) if rows else None


async def all_workspaces(db: Database) -> list[dict[str, Any]]:
    rows = await db.one(f"SELECT {_FIELDS} FROM workspace ORDER BY created_at")  # noqa: S608 - constant field names; values bound
    return [dict(plain(r)) for r in rows]


async def rename(db: Database, key: str, name: str, name_key: str) -> dict[str, Any]:
    rows = await db.one(
        f"UPDATE $id SET name = $name, name_key = $key RETURN {_FIELDS}",  # noqa: S608 - constant field names; values bound
        {"id": record("workspace", key), "name": name, "key": name_key},
    )
    return dict(plain(rows[0]))


async def delete(db: Database, key: str, database: str) -> None:
    """The workspace, its keys and memberships, and its database. `database` is a name
    `Database.using` accepted (SurrealQL takes no parameter there)."""
    workspace = record("workspace", key)
    await db.query(
        f"REMOVE DATABASE IF EXISTS {database};"
        "BEGIN;"
        "DELETE api_key WHERE workspace = $ws;"
        "DELETE membership WHERE workspace = $ws;"
        "DELETE session WHERE workspace = $ws;"
        "DELETE $ws;"
        "COMMIT;",
        {"ws": workspace},
    )


async def set_four_eyes(db: Database, key: str, on: bool) -> dict[str, Any]:
    rows = await db.one(
        f"UPDATE $id SET four_eyes = $on RETURN {_FIELDS}",  # noqa: S608 - constant field names; values bound
        {"id": record("workspace", key), "on": on},
    )
    return dict(plain(rows[0]))
