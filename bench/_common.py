"""Helpers shared by the benchmarks: temp databases, timing, reporting."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from crm.db import Database, connect
from crm.schema import migrate
from kernel.settings import Settings


@asynccontextmanager
async def fresh_db(directory: Path, name: str) -> AsyncIterator[Database]:
    """A migrated, empty surrealkv database in `directory`."""
    settings = Settings(db_url=f"surrealkv://{(directory / name).resolve()}")
    async with connect(settings) as db:
        await migrate(db)
        yield db


async def median_ms(fn: Callable[[], Awaitable[Any]], repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def report(name: str, figures: dict[str, Any]) -> None:
    width = max(len(k) for k in figures)
    print(f"\n== {name}")
    for key, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        print(f"  {key:<{width}}  {shown}")
    print(json.dumps({"bench": name, **figures}))
