"""All SurrealQL for segments, snapshots and their members."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.paging import is_safe_key


async def create(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    created = await db.one("CREATE segment CONTENT $row", {"row": row})
    return dict(plain(created[0]))


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one("SELECT * FROM $id", {"id": record("segment", key)})
    return dict(plain(rows[0])) if rows else None


async def find(db: Database, name_key: str) -> dict[str, Any] | None:
    rows = await db.one("SELECT * FROM segment WHERE name_key = $key", {"key": name_key})
    return dict(plain(rows[0])) if rows else None


async def list_all(db: Database) -> list[dict[str, Any]]:
    # Segments number in the tens, so sorting them all is cheap.
    rows = await db.one("SELECT * FROM segment ORDER BY name_key")
    return [dict(plain(r)) for r in rows]


async def update(db: Database, key: str, changes: dict[str, Any]) -> dict[str, Any]:
    rows = await db.one(
        "UPDATE $id MERGE $changes",
        {"id": record("segment", key), "changes": {**changes, "updated_at": datetime.now(UTC)}},
    )
    return dict(plain(rows[0]))


async def delete(db: Database, key: str) -> None:
    """Delete the segment; its snapshots stay (campaigns still send to them), unlinked."""
    await db.query(
        "UPDATE segment_snapshot SET segment = NONE WHERE segment = $id RETURN NONE;DELETE $id",
        {"id": record("segment", key)},
    )


async def count(db: Database, rule: tuple[str, dict[str, Any]]) -> int:
    # Not `SELECT count() … GROUP ALL`: an earlier build of the embedded engine answered that
    # from index entries alone, ignoring the rest of the WHERE clause (wrong counts).
    # The rule is compiled SurrealQL: allow-listed idioms with every value bound (see rules.py).
    sql = f"RETURN count(SELECT VALUE id FROM contact WHERE {rule[0]})"  # noqa: S608
    return int(await db.one(sql, rule[1]))


async def snapshot(
    db: Database,
    segment_key: str,
    segment_name: str,
    rule: Any,
    compiled: tuple[str, dict[str, Any]],
) -> dict[str, Any]:
    """Freeze the contacts matching `compiled` now; one transaction, so all members or none."""
    key = secrets.token_hex(10)
    select = f"SELECT [$key, record::id(id)] AS id, id AS contact FROM contact WHERE {compiled[0]}"  # noqa: S608
    rows = await db.query(
        f"BEGIN; LET $made = (INSERT INTO segment_member ({select}) RETURN id);"
        "CREATE $snapshot CONTENT {segment: $segment, segment_name: $name, rule: $rule,"
        " count: array::len($made)};"
        "COMMIT;",
        {
            **compiled[1],
            "key": key,
            "snapshot": record("segment_snapshot", key),
            "segment": record("segment", segment_key),
            "name": segment_name,
            "rule": rule,
        },
    )
    created = next(r for r in reversed(rows) if r)
    return dict(plain(created[0]))


async def get_snapshot(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one("SELECT * FROM $id", {"id": record("segment_snapshot", key)})
    return dict(plain(rows[0])) if rows else None


async def snapshots_of(db: Database, segment_key: str) -> list[dict[str, Any]]:
    rows = await db.one(
        "SELECT * FROM segment_snapshot WHERE segment = $id ORDER BY taken_at DESC",
        {"id": record("segment", segment_key)},
    )
    return [dict(plain(r)) for r in rows]


async def members(db: Database, snapshot_key: str, *, after: str | None, limit: int) -> list[str]:
    """Contact keys of a snapshot, in key order, after the contact key `after`."""
    # Record ranges cannot take bound parameters; both keys are checked safe before they are
    # written into the range (snapshot keys are hex we made, contact keys come from cursors).
    if not is_safe_key(snapshot_key) or (after is not None and not is_safe_key(after)):
        return []
    start = f"['{snapshot_key}', '{after}']>" if after else f"['{snapshot_key}', NONE]"
    rows = await db.one(
        f"SELECT VALUE record::id(contact) FROM segment_member:{start}..['{snapshot_key}', {{}}]"  # noqa: S608
        " LIMIT $limit",
        {"limit": limit},
    )
    return [str(k) for k in rows]
