"""A `CallStore` that keeps everything in memory: tests, scripts, one-off runs."""

from __future__ import annotations

from llm_tools.calls import CachedCompletion, CallRecord


class InMemoryCallStore:
    def __init__(self) -> None:
        self.cache: dict[str, CachedCompletion] = {}
        self.calls: list[CallRecord] = []

    async def cache_get(self, key: str) -> CachedCompletion | None:
        return self.cache.get(key)

    async def cache_put(self, key: str, entry: CachedCompletion) -> None:
        # First write wins, like the unique index of the database store.
        self.cache.setdefault(key, entry)

    async def record(self, call: CallRecord) -> None:
        self.calls.append(call)

    async def run_cost(self, run: str) -> float:
        return sum(c.cost or 0.0 for c in self.calls if c.run == run)
