"""All SurrealQL for the `contact` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.paging import is_safe_key, keyset
from crm.wire import Encoded

_SELECT = "SELECT *, company.name AS company_name FROM"


@dataclass(frozen=True)
class ContactFilter:
    tag: str | None = None
    status: str | None = None
    company: str | None = None
    text: str | None = None
    # A compiled segment rule: SurrealQL built only from allow-listed field names and operators,
    # with every value in its own bound parameter (see crm.segments).
    rule: tuple[str, dict[str, Any]] | None = None


def _where(flt: ContactFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if flt.tag:
        clauses.append("$tag IN tags")
        params["tag"] = flt.tag.strip().lower()
    if flt.status:
        clauses.append("status = $status")
        params["status"] = flt.status
    if flt.company:
        clauses.append("company = $company")
        params["company"] = record("company", flt.company)
    if flt.text:
        # search_key (crm.contacts.models) joins the lower-cased names with line breaks; a text
        # without any is found in it only where one name holds it.
        clauses.append("(email_key CONTAINS $text OR search_key CONTAINS $text)")
        params["text"] = flt.text.strip().lower().replace("\n", " ")
    if flt.rule:
        # Spliced bare: a compiled rule is a flat AND of self-contained terms, and parentheses
        # around it make the engine evaluate it about 13% slower.
        clauses.append(flt.rule[0])
        params.update(flt.rule[1])
    return " AND ".join(clauses), params


async def create(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    created = await db.one(
        "CREATE contact CONTENT $row RETURN *, company.name AS company_name", {"row": row}
    )
    return dict(plain(created[0]))


async def insert_new(db: Database, rows: list[dict[str, Any]] | Encoded) -> int:
    """Insert each row whose email no contact has (later rows see the ones before them); the
    number inserted. The unique email index decides, as in `insert_or_get`; a row whose email
    is taken is left alone here, where `insert_or_get` rewrites it at twice the engine's cost."""
    if not rows:
        return 0
    # One NONE per inserted row: returning their ids made the import 6-8% slower.
    return len(await db.one("INSERT IGNORE INTO contact $rows RETURN BEFORE", {"rows": rows}))


async def insert_or_get(
    db: Database, rows: list[dict[str, Any]] | Encoded
) -> list[dict[str, Any] | None]:
    """Insert each row unless its email exists; per row, None (created) or the stored contact.
    The rows may come encoded ahead (`crm.wire.encoded_ahead`).

    Duplicates are decided by the unique email index inside the statement, so concurrent
    writers cannot both create one. Later rows see the ones before them in the same list.
    """
    if not rows:
        return []
    befores = await db.one(
        "INSERT INTO contact $rows ON DUPLICATE KEY UPDATE email_key = email_key RETURN BEFORE",
        {"rows": rows},
    )
    return [dict(plain(b)) if b else None for b in befores]


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one(_SELECT + " $id", {"id": record("contact", key)})
    return dict(plain(rows[0])) if rows else None


async def get_by_email_key(db: Database, email_key: str) -> dict[str, Any] | None:
    rows = await db.one(_SELECT + " contact WHERE email_key = $key", {"key": email_key})
    return dict(plain(rows[0])) if rows else None


async def update(db: Database, key: str, changes: dict[str, Any]) -> dict[str, Any]:
    rows = await db.one(
        "UPDATE $id MERGE $changes RETURN *, company.name AS company_name",
        {"id": record("contact", key), "changes": {**changes, "updated_at": _now()}},
    )
    return dict(plain(rows[0]))


async def update_many(db: Database, changes: list[tuple[str, dict[str, Any]]]) -> None:
    """Several contacts' changes in one transaction."""
    if not changes:
        return
    statements = ["BEGIN"]
    params: dict[str, Any] = {"now": _now()}
    for n, (key, fields) in enumerate(changes):
        statements.append(f"UPDATE $id{n} MERGE $c{n} RETURN NONE")
        params[f"id{n}"] = record("contact", key)
        params[f"c{n}"] = {**fields, "updated_at": params["now"]}
    statements.append("COMMIT")
    await db.query(";\n".join(statements), params)


async def delete(db: Database, key: str) -> bool:
    deleted = await db.query(
        "DELETE event WHERE contact = $id; DELETE $id RETURN BEFORE",
        {"id": record("contact", key)},
    )
    return bool(deleted[-1])


async def page(
    db: Database, flt: ContactFilter, *, after: str | None, limit: int
) -> list[dict[str, Any]]:
    condition, params = _where(flt)
    source, cursor = keyset("contact", after, condition)
    rows = await db.one(
        # `condition` holds field names and $params only.
        f"{_SELECT} {source} LIMIT $limit",
        {**params, **cursor, "limit": limit},
    )
    return [dict(plain(r)) for r in rows]


async def first_and_count(
    db: Database, flt: ContactFilter, *, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` matches in id order and how many match in all, from one scan (a page
    and a count scan twice when few contacts match, and a count over an index fetches as many
    records as it finds)."""
    condition, params = _where(flt)
    where = f" WHERE {condition}" if condition else ""
    found = await db.one(
        # `condition` holds field names and $params only.
        f"LET $ids = SELECT VALUE id FROM contact{where};"  # noqa: S608
        f" RETURN {{count: array::len($ids), items: ({_SELECT} array::slice($ids, 0, $limit))}}",
        {**params, "limit": limit},
    )
    return [dict(plain(r)) for r in found["items"]], int(found["count"])


async def custom_keys(db: Database) -> list[str]:
    keys = await db.one(
        "RETURN array::sort(array::distinct(array::flatten("
        "(SELECT VALUE object::keys(custom) FROM contact))))"
    )
    return list(keys or [])


async def enrichment_log(db: Database, key: str) -> dict[str, Any]:
    """The contact's stored provenance (crm.contacts.provenance), one entry per run."""
    log = await db.one("SELECT VALUE enrichment FROM ONLY $id", {"id": record("contact", key)})
    return dict(log or {})


async def overview(db: Database, since: datetime) -> dict[str, Any]:
    # One pass over the table: each count of its own is a full scan (about 1 s each at 100k).
    groups = await db.one(
        "SELECT status, source, count() AS n, count(consent_explicit = true) AS consent,"
        " count(last_engaged_at > $since) AS engaged, count(created_at > $since) AS new"
        " FROM contact GROUP BY status, source",
        {"since": since},
    )
    by_status: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for g in groups:
        by_status[g["status"]] = by_status.get(g["status"], 0) + int(g["n"])
        by_source[g["source"]] = by_source.get(g["source"], 0) + int(g["n"])
    return {
        "total": sum(int(g["n"]) for g in groups),
        "by_status": by_status,
        "by_source": by_source,
        "explicit_consent": sum(int(g["consent"]) for g in groups),
        "engaged_recently": sum(int(g["engaged"]) for g in groups),
        "new_recently": sum(int(g["new"]) for g in groups),
    }


async def glance(db: Database, statuses: list[str], since: datetime) -> dict[str, Any]:
    """The total, the count of each of `statuses` and those created since `since`, from one
    pass over the table."""
    groups = await db.one(
        "SELECT status, count() AS n, count(created_at > $since) AS new"
        " FROM contact GROUP BY status",
        {"since": since},
    )
    by_status = {g["status"]: int(g["n"]) for g in groups}
    return {
        "total": sum(int(g["n"]) for g in groups),
        "by_status": {s: by_status[s] for s in statuses if by_status.get(s)},
        "new": sum(int(g["new"]) for g in groups),
    }


def _now() -> datetime:
    return datetime.now(UTC)
