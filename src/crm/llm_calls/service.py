"""A ready gateway for services, and the call history for adapters."""

from __future__ import annotations

from datetime import datetime

from crm.db import Database
from crm.llm_calls import repository
from crm.llm_calls.models import LLMCall
from kernel.settings import Settings, load_settings
from llm_tools.gateway import Gateway


def gateway(
    db: Database,
    settings: Settings | None = None,
    *,
    max_cost: float | None = None,
    cache: bool | None = None,
) -> Gateway:
    """The configured gateway, recording calls and caching answers in `db`.

    `max_cost` and `cache` override the settings (the CLI's `--max-cost` and `--no-cache`).
    """
    return Gateway.from_settings(
        settings or load_settings(),
        repository.SurrealCallStore(db),
        max_cost=max_cost,
        cache=cache,
    )


async def recent_calls(db: Database, *, limit: int = 50, run: str | None = None) -> list[LLMCall]:
    return await repository.recent(db, limit=limit, run=run)


async def cost_since(db: Database, since: datetime) -> float:
    """What the LLM calls recorded since `since` cost, USD (calls without a price count 0)."""
    return await repository.cost_since(db, since)
