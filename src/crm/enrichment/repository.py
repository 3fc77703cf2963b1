"""SurrealQL for enrichment: reading contacts in key order, writing enriched values with their
provenance, and finding or creating companies by domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.db import Database, plain, record
from crm.enrichment import provenance
from crm.enrichment.apply import Outcome
from crm.paging import range_source


async def count(db: Database, rule: tuple[str, dict[str, Any]] | None) -> int:
    if rule is None:
        total = await db.one("SELECT count() AS n FROM contact GROUP ALL")
        return int(total[0]["n"]) if total else 0
    # The rule is compiled SurrealQL: allow-listed idioms, every value bound.
    sql = f"RETURN count(SELECT VALUE id FROM contact WHERE {rule[0]})"  # noqa: S608
    return int(await db.one(sql, rule[1]))


async def batch(
    db: Database,
    rule: tuple[str, dict[str, Any]] | None,
    *,
    after: str | None,
    limit: int,
    fields: tuple[str, ...],
) -> list[dict[str, Any]]:
    """The next contacts after key `after`, in key order (a range scan, so resumable).

    Only `fields` (names from the enrichers, never from input) are read: decoding whole records
    costs more than the enrichment itself. `enrichment` comes back as each field's current
    provenance."""
    where, params = (f" WHERE {rule[0]}", rule[1]) if rule else ("", {})
    source = range_source("contact", after)
    rows = await db.one(
        f"SELECT id, {', '.join(fields)} FROM {source}{where} LIMIT $limit",  # noqa: S608
        {**params, "limit": limit},
    )
    found = [dict(plain(r)) for r in rows]
    if "enrichment" in fields:
        for row in found:
            row["enrichment"] = provenance.current(row.get("enrichment") or {})
    return found


async def companies_by_domain(db: Database, domains: list[str]) -> dict[str, str]:
    if not domains:
        return {}
    rows = await db.one(
        "SELECT id, domain FROM company WHERE domain IN $domains", {"domains": domains}
    )
    return {row["domain"]: plain(row["id"]) for row in rows}


async def create_companies(db: Database, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Create companies; returns domain -> id. Raises Conflict if one of the domains appeared
    meanwhile (the unique index decides), creating none."""
    if not rows:
        return {}
    created = await db.one("INSERT INTO company $rows RETURN id, domain", {"rows": rows})
    return {row["domain"]: plain(row["id"]) for row in created}


async def save(db: Database, outcomes: list[Outcome], now: datetime, run_key: str) -> None:
    """Every contact's changes, provenance entry and run marks in one transaction: an
    interrupted run leaves whole contacts done or untouched. The timeline's "enriched" events
    are read from the provenance entries (crm.timeline), so no event is written here."""
    statements = ["BEGIN"]
    params: dict[str, Any] = {}
    for n, outcome in enumerate(outcomes):
        merge: dict[str, Any] = {"enrichment_runs": outcome.runs}
        if outcome.changes:
            merge |= {k: _stored(k, v) for k, v in outcome.changes.items()}
            merge |= {"enrichment": {run_key: provenance.encode(outcome.provenance)}}
            merge["updated_at"] = now
        statements.append(f"UPDATE $id{n} MERGE $m{n} RETURN NONE")
        params[f"id{n}"] = record("contact", outcome.key)
        params[f"m{n}"] = merge
    statements.append("COMMIT")
    await db.query(";\n".join(statements), params)


def _stored(field: str, value: Any) -> Any:
    return record("company", value) if field == "company" else value
