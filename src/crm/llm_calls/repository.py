"""All SurrealQL for the `llm_call` and `llm_cache` tables."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from crm.db import Database, plain
from crm.llm_calls.models import LLMCall
from kernel.errors import Conflict
from llm_tools.calls import CachedCompletion, CallRecord


async def insert(db: Database, call: CallRecord) -> None:
    await db.query("CREATE llm_call CONTENT $row RETURN NONE", {"row": call.model_dump()})


async def run_cost(db: Database, run: str) -> float:
    total = await db.one(
        "RETURN math::sum(SELECT VALUE cost ?? 0 FROM llm_call WHERE run = $run)", {"run": run}
    )
    return float(total or 0)


async def cost_since(db: Database, since: datetime) -> float:
    total = await db.one(
        "RETURN math::sum(SELECT VALUE cost ?? 0 FROM llm_call WHERE created_at >= $since)",
        {"since": since},
    )
    return float(total or 0)


async def recent(db: Database, *, limit: int, run: str | None = None) -> list[LLMCall]:
    rows = await db.one(
        "SELECT * FROM llm_call WHERE $run = NONE OR run = $run"
        " ORDER BY created_at DESC LIMIT $limit",
        {"limit": limit, "run": run},
    )
    return [LLMCall.model_validate(plain(row)) for row in rows or []]


async def cache_get(db: Database, key: str) -> CachedCompletion | None:
    rows = await db.one("SELECT * FROM llm_cache WHERE key = $key LIMIT 1", {"key": key})
    return CachedCompletion.model_validate(rows[0]) if rows else None


async def cache_put(db: Database, key: str, entry: CachedCompletion) -> None:
    row: dict[str, Any] = {"key": key, **entry.model_dump()}
    # A concurrent call may have cached the same request first; either answer is valid.
    with suppress(Conflict):
        await db.query("CREATE llm_cache CONTENT $row RETURN NONE", {"row": row})


class SurrealCallStore:
    """The gateway's `CallStore` on a database session the caller owns."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def cache_get(self, key: str) -> CachedCompletion | None:
        return await cache_get(self._db, key)

    async def cache_put(self, key: str, entry: CachedCompletion) -> None:
        await cache_put(self._db, key, entry)

    async def record(self, call: CallRecord) -> None:
        await insert(self._db, call)

    async def run_cost(self, run: str) -> float:
        return await run_cost(self._db, run)
