"""All SurrealQL for `schedule` and `schedule_run`.

Every claim is decided by the database: a conditional UPDATE returns the row only to the
writer whose condition still held, and an occurrence's run has a deterministic id plus a unique
(schedule, due_at) index, so it can be created once.

One engine caveat shapes this module: the embedded SurrealDB 3.0 beta engine sometimes lets two
*concurrent* conflicting writes on one connection both commit (measured here: a lost update on
`UPDATE … WHERE` in about 1 of 300 races, and even two successful `CREATE`s of one record id).
So every write that can collide is serialized per connection by `_writing`. That costs nothing
in correctness elsewhere: the embedded file is open in one process only, and workers in other
processes (against a server) still compete through the same conditional statements.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from crm.db import Database, plain, record
from crm.paging import is_safe_key

_locks: WeakKeyDictionary[Database, asyncio.Lock] = WeakKeyDictionary()


@asynccontextmanager
async def _writing(db: Database) -> AsyncIterator[None]:
    lock = _locks.setdefault(db, asyncio.Lock())
    async with lock:
        yield


def run_key(schedule_key: str, due_at: datetime) -> str:
    """The id of an occurrence's run: the same for every worker that computes it."""
    return f"{schedule_key}_{int(due_at.timestamp())}"


async def create(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    created = await db.one("CREATE schedule CONTENT $row", {"row": row})
    return dict(plain(created[0]))


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one("SELECT * FROM $id", {"id": record("schedule", key)})
    return dict(plain(rows[0])) if rows else None


def _where(equals: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`WHERE a = $a AND …` for the given fields (names from this module, values bound)."""
    given = {field: value for field, value in equals.items() if value}
    if not given:
        return "", {}
    return " WHERE " + " AND ".join(f"{field} = ${field}" for field in given), given


async def list_schedules(
    db: Database, *, kind: str | None = None, target: str | None = None
) -> list[dict[str, Any]]:
    where, params = _where({"kind": kind, "target": target})
    rows = await db.one(
        f"SELECT * FROM schedule{where} ORDER BY created_at",  # noqa: S608 - see _where
        params,
    )
    return [dict(plain(r)) for r in rows]


async def change_state(
    db: Database, key: str, *, from_state: str, changes: dict[str, Any]
) -> dict[str, Any] | None:
    """Apply `changes` only if the schedule is still in `from_state`; None otherwise."""
    async with _writing(db):
        rows = await db.one(
            "UPDATE $id MERGE $changes WHERE state = $from RETURN AFTER",
            {"id": record("schedule", key), "changes": changes, "from": from_state},
        )
    return dict(plain(rows[0])) if rows else None


async def delete(db: Database, key: str, now: datetime) -> bool:
    """Delete a schedule; retries still waiting are cancelled, finished runs stay as history.

    A run in progress is left to finish: stopping it half-way helps nobody.
    """
    async with _writing(db):
        results = await db.query(
            "BEGIN;"
            "UPDATE schedule_run SET status = 'cancelled', finished_at = $now, retry_at = NONE"
            " WHERE schedule = $id AND status = 'retrying' RETURN NONE;"
            "DELETE $id RETURN BEFORE;"
            "COMMIT;",
            {"id": record("schedule", key), "now": now},
        )
    return bool(results[-1])


# The due schedules in `candidates` and `next_due` read the (state, next_due_at) index as a
# range, which yields rows in next_due_at order; ORDER BY would sort every matching row first
# (tests/campaigns pin the order: test_schedule_service's TestNextDue).


async def candidates(
    db: Database, now: datetime, limit: int
) -> tuple[list[str], list[dict[str, Any]]]:
    """What a worker may claim, in one round trip: runs whose lease ran out (a worker died or
    released it) or whose retry is due, and active schedules due by `now`, the longest overdue
    first; up to `limit` of each."""
    # Separate statements for the runs, because with OR the engine scans the whole table
    # instead of the index.
    lapsed, retries, due = await db.query(
        "SELECT VALUE id FROM schedule_run WHERE status = 'running' AND lease_until <= $now"
        " LIMIT $limit;"
        "SELECT VALUE id FROM schedule_run WHERE status = 'retrying' AND retry_at <= $now"
        " LIMIT $limit;"
        "SELECT * FROM schedule WHERE state = 'active' AND next_due_at <= $second LIMIT $limit;",
        # Measured engine bug: on an index range, a whole-second datetime is not <= a later
        # instant in the same second (09:00:00 <= 09:00:00.03 is false until 09:00:01). Due
        # times are whole seconds (cron minutes, `at` truncated), so comparing with `now`
        # truncated to the second gives the same answer without the second of delay.
        {"now": now, "second": now.replace(microsecond=0), "limit": limit},
    )
    stale = [str(plain(r)) for r in [*lapsed, *retries][:limit]]
    return stale, [dict(plain(r)) for r in due]


async def next_due(db: Database, after: datetime) -> datetime | None:
    """When the next active schedule falls due after `after`."""
    rows = await db.one(
        "SELECT VALUE next_due_at FROM schedule WHERE state = 'active' AND next_due_at > $after"
        " LIMIT 1",
        {"after": after},
    )
    return rows[0] if rows else None


async def claim_occurrences(db: Database, claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claim several occurrences in one transaction: the runs created, in the order given.

    Each claim is `{"schedule": key, "due_at": …, "advance": changes, "run": fields}`: move
    the schedule past `due_at` and create that occurrence's run. The UPDATE is a
    compare-and-swap on `next_due_at`: when another worker moved it first (or the schedule was
    paused or deleted meanwhile) no run is created for that claim, and the others go on. A run
    that already exists is not created again (a lost update let the schedule stay behind: it
    moves on now). Two workers racing on one schedule conflict in the database;
    `Database.query` retries the loser, whose condition then fails.
    """
    items = []
    for claim in claims:
        sid = record("schedule", claim["schedule"])
        due_at = claim["due_at"]
        items.append(
            {
                "sid": sid,
                "due": due_at,
                "advance": claim["advance"],
                "rid": record("schedule_run", run_key(claim["schedule"], due_at)),
                "run": {**claim["run"], "schedule": sid, "due_at": due_at},
            }
        )
    async with _writing(db):
        results = await db.query(
            "BEGIN;"
            "LET $made = $items.map(|$i| {"
            " LET $moved = (UPDATE $i.sid MERGE $i.advance"
            " WHERE state = 'active' AND next_due_at = $i.due RETURN VALUE id);"
            " RETURN IF array::len($moved) > 0 AND !record::exists($i.rid)"
            " { (CREATE $i.rid CONTENT $i.run) } ELSE { [] };"
            "});"
            "RETURN array::flatten($made);"
            "COMMIT;",
            {"items": items},
        )
    return [dict(plain(row)) for row in results[-1]]


async def take(
    db: Database, key: str, *, owner: str, now: datetime, lease_until: datetime
) -> dict[str, Any] | None:
    """Claim a claimable run; only the worker whose condition still holds gets the row.

    A lease that ran out while it still had an owner means that worker died mid-run: it counts
    as a failed attempt (assignments apply in order, so this reads the old owner).
    """
    async with _writing(db):
        rows = await db.one(
            "UPDATE $id SET"
            " failures += IF status = 'running' AND owner != NONE { 1 } ELSE { 0 },"
            " status = 'running', owner = $owner, lease_until = $lease_until,"
            " attempts += 1, claimed_at = $now, retry_at = NONE, workers += $owner"
            " WHERE (status = 'running' AND lease_until <= $now)"
            " OR (status = 'retrying' AND retry_at <= $now)"
            " RETURN AFTER",
            {
                "id": record("schedule_run", key),
                "owner": owner,
                "now": now,
                "lease_until": lease_until,
            },
        )
    return dict(plain(rows[0])) if rows else None


async def update_owned(
    db: Database, key: str, *, owner: str, changes: dict[str, Any]
) -> dict[str, Any] | None:
    """Change a run only while `owner` still holds it (renew, finish, fail, release)."""
    return (await update_all_owned(db, {key: changes}, owner=owner))[key]


async def update_all_owned(
    db: Database, changes: dict[str, dict[str, Any]], *, owner: str
) -> dict[str, dict[str, Any] | None]:
    """`update_owned` for several runs (key -> changes) in one transaction."""
    # A closure does not see the query's parameters: everything it reads comes in `$i`.
    items = [
        {"id": record("schedule_run", key), "owner": owner, "changes": fields}
        for key, fields in changes.items()
    ]
    async with _writing(db):
        results = await db.query(
            "BEGIN;"
            "RETURN $items.map(|$i| (UPDATE $i.id MERGE $i.changes"
            " WHERE status = 'running' AND owner = $i.owner RETURN AFTER));"
            "COMMIT;",
            {"items": items},
        )
    updated = zip(changes, results[-1], strict=True)
    return {key: dict(plain(rows[0])) if rows else None for key, rows in updated}


async def get_run(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one("SELECT * FROM $id", {"id": record("schedule_run", key)})
    return dict(plain(rows[0])) if rows else None


async def runs(
    db: Database,
    *,
    schedule: str | None = None,
    kind: str | None = None,
    target: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """The latest runs first, of one schedule or of everything scheduled for one target."""
    where, params = _where(
        {
            "schedule": record("schedule", schedule) if schedule else None,
            "kind": kind,
            "target": target,
        }
    )
    rows = await db.one(
        f"SELECT * FROM schedule_run{where} ORDER BY due_at DESC LIMIT $limit",  # noqa: S608
        {**params, "limit": limit},
    )
    return [dict(plain(r)) for r in rows]
