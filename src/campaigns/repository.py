"""All SurrealQL of campaigns and their assets (`campaign`, `campaign_asset`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.paging import is_safe_key
from crm.segments.models import name_key

# -- campaign ------------------------------------------------------------------------------


async def create_campaign(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    created = await db.one("CREATE campaign CONTENT $row", {"row": row})
    return dict(plain(created[0]))


async def get_campaign(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one("SELECT * FROM $id", {"id": record("campaign", key)})
    return dict(plain(rows[0])) if rows else None


async def list_campaigns(db: Database, *, limit: int) -> list[dict[str, Any]]:
    # Campaigns number in the hundreds at most, so sorting the table is cheap.
    rows = await db.one(
        "SELECT * FROM campaign ORDER BY created_at DESC LIMIT $limit", {"limit": limit}
    )
    return [dict(plain(r)) for r in rows]


async def transition(
    db: Database, key: str, sources: Iterable[str], target: str, changes: dict[str, Any]
) -> dict[str, Any] | None:
    """Move to `target` only from one of `sources` (compare-and-set); None if the state moved."""
    rows = await db.one(
        "UPDATE $id MERGE $changes WHERE state IN $sources",
        {
            "id": record("campaign", key),
            "sources": list(sources),
            "changes": {**changes, "state": target, "updated_at": _now()},
        },
    )
    return dict(plain(rows[0])) if rows else None


async def update_campaign(db: Database, key: str, changes: dict[str, Any]) -> dict[str, Any]:
    rows = await db.one(
        "UPDATE $id MERGE $changes",
        {"id": record("campaign", key), "changes": {**changes, "updated_at": _now()}},
    )
    return dict(plain(rows[0]))


async def campaign_state(db: Database, key: str) -> str | None:
    rows = await db.one("SELECT VALUE state FROM $id", {"id": record("campaign", key)})
    return rows[0] if rows else None


async def others_sending(db: Database, campaign: str, *, since: datetime) -> bool:
    """Whether another campaign is running, or changed state after `since` (so it may have
    sent something since)."""
    rows = await db.one(
        "SELECT VALUE id FROM campaign"
        " WHERE id != $c AND (state = 'running' OR updated_at > $since) LIMIT 1",
        {"c": record("campaign", campaign), "since": since},
    )
    return bool(rows)


# -- assets --------------------------------------------------------------------------------


async def insert_asset(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    """Raises Conflict when another writer created the same version first."""
    row = {**row, "campaign": record("campaign", row["campaign"])}
    created = await db.one("CREATE campaign_asset CONTENT $row", {"row": row})
    return dict(plain(created[0]))


async def assets(db: Database, campaign: str, channel: str | None = None) -> list[dict[str, Any]]:
    """Every version of every asset (or of one channel's), oldest first per variant."""
    rows = await db.one(
        "SELECT * FROM campaign_asset WHERE campaign = $c AND ($ch = NONE OR channel = $ch)",
        {"c": record("campaign", campaign), "ch": channel},
    )
    return sorted((dict(plain(r)) for r in rows), key=lambda r: (r["variant"], r["version"]))


async def asset_versions(
    db: Database, campaign: str, channel: str, variant: str
) -> list[dict[str, Any]]:
    """Every version of one asset, oldest first."""
    rows = await db.one(
        "SELECT * FROM campaign_asset WHERE campaign = $c AND channel = $ch AND variant = $v"
        " ORDER BY version",
        {"c": record("campaign", campaign), "ch": channel, "v": variant},
    )
    return [dict(plain(r)) for r in rows]


async def latest_assets(
    db: Database, campaign: str, channel: str, variants: list[str]
) -> dict[str, dict[str, Any]]:
    """variant -> its highest version, for the variants that have one."""
    # `$v CONTAINS variant`, not `variant IN $v`: SurrealDB plans the latter as a lookup on
    # the (campaign, channel, variant, version) index that misses rows (seen with a hundred
    # personalised emails: none found, so a resumed generation wrote none of them).
    rows = await db.one(
        "SELECT * FROM campaign_asset"
        " WHERE campaign = $c AND channel = $ch AND $v CONTAINS variant",
        {"c": record("campaign", campaign), "ch": channel, "v": variants},
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["version"] > latest.get(row["variant"], {}).get("version", 0):
            latest[row["variant"]] = dict(plain(row))
    return latest


def _now() -> datetime:
    return datetime.now(UTC)


async def keys_named(db: Database, refs: list[str]) -> dict[str, tuple[str, ...]]:
    """For each ref (a campaign id, or a name compared like segment names), the keys of the
    campaigns it names; one query for all of them."""
    # Campaigns number in the hundreds, so comparing every name is cheap.
    rows = await db.one(
        "SELECT record::id(id) AS key, array::join(string::words(string::lowercase(name)), ' ')"
        " AS name_key FROM campaign WHERE id IN $ids"
        " OR array::join(string::words(string::lowercase(name)), ' ') IN $names",
        {
            "ids": [record("campaign", r) for r in refs if is_safe_key(r)],
            "names": [name_key(r) for r in refs],
        },
    )
    found: dict[str, tuple[str, ...]] = {}
    for ref in refs:
        by_id = tuple(r["key"] for r in rows if r["key"] == ref)
        wanted = name_key(ref)
        found[ref] = by_id or tuple(r["key"] for r in rows if r["name_key"] == wanted)
    return found
