"""All SurrealQL for the `landing_page` table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.paging import is_safe_key

_FIELDS = "id, slug, title, campaign, spec, status, created_at, updated_at, published_at"


async def create(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    rows = await db.one(f"CREATE landing_page CONTENT $row RETURN {_FIELDS}", {"row": row})
    return dict(plain(rows[0]))


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one(f"SELECT {_FIELDS} FROM $id", {"id": record("landing_page", key)})  # noqa: S608 - constant field names; values bound
    return dict(plain(rows[0])) if rows else None


async def by_slug(db: Database, slug: str) -> dict[str, Any] | None:
    rows = await db.one(f"SELECT {_FIELDS} FROM landing_page WHERE slug = $slug", {"slug": slug})  # noqa: S608 - constant field names; values bound
    return dict(plain(rows[0])) if rows else None


async def slugs_like(db: Database, prefix: str) -> set[str]:
    rows = await db.one(
        "SELECT VALUE slug FROM landing_page WHERE string::starts_with(slug, $p)", {"p": prefix}
    )
    return set(rows or [])


async def list_pages(
    db: Database, *, campaign: str | None, status: str | None, limit: int
) -> list[dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if campaign:
        clauses.append("campaign = $campaign")
        params["campaign"] = campaign
    if status:
        clauses.append("status = $status")
        params["status"] = status
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = f"SELECT {_FIELDS} FROM landing_page{where} ORDER BY created_at DESC LIMIT $limit"  # noqa: S608
    rows = await db.one(sql, params)
    return [dict(plain(r)) for r in rows]


_UPDATABLE = ("slug", "title", "spec", "status", "published_at")


async def update(db: Database, key: str, changes: dict[str, Any]) -> dict[str, Any]:
    """SET, not MERGE: a new spec replaces the old one whole (a merge would keep stale keys)."""
    fields = [f for f in _UPDATABLE if f in changes]
    assignments = ", ".join([f"{f} = ${f}" for f in fields] + ["updated_at = $updated_at"])
    rows = await db.one(
        f"UPDATE $id SET {assignments} RETURN {_FIELDS}",  # noqa: S608 - constant field names; values bound
        {
            "id": record("landing_page", key),
            "updated_at": _now(),
            **{f: changes[f] for f in fields},
        },
    )
    return dict(plain(rows[0]))


async def delete(db: Database, key: str) -> None:
    await db.query("DELETE $id", {"id": record("landing_page", key)})


def _now() -> datetime:
    return datetime.now(UTC)
