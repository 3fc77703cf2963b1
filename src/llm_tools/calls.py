"""What the gateway records of each model request and keeps in its cache, and the store it keeps
them in (SurrealDB in `crm.llm_calls`, in memory in `llm_tools.memory`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

Outcome = Literal["ok", "invalid", "error"]


class CallRecord(BaseModel):
    """One request to a model (or one answer from the cache), as shown by `crm llm calls`."""

    tool: str
    model: str
    tokens_in: int
    tokens_out: int
    cost: float | None = Field(default=None, description="USD; None when the price is unknown")
    latency_ms: float
    cache_hit: bool
    outcome: Outcome
    run: str | None = None
    created_at: datetime


class CachedCompletion(BaseModel):
    model: str
    content: str
    tokens_in: int
    tokens_out: int


class CallStore(Protocol):
    """Where the gateway keeps its cache and call records."""

    async def cache_get(self, key: str) -> CachedCompletion | None: ...

    async def cache_put(self, key: str, entry: CachedCompletion) -> None: ...

    async def record(self, call: CallRecord) -> None: ...

    async def run_cost(self, run: str) -> float: ...


@dataclass(frozen=True)
class Completion:
    """One reply from the provider (or the cache)."""

    content: str
    finish_reason: str
    tokens_in: int
    tokens_out: int
    cost: float | None
    latency_ms: float


class Spent(Protocol):
    @property
    def tokens_in(self) -> int: ...

    @property
    def tokens_out(self) -> int: ...

    @property
    def cost(self) -> float | None: ...


@dataclass
class Usage:
    """Tokens and cost added up over several calls (the attempts of one `generate`, the calls
    that wrote one asset); the cost is unknown as soon as one call's price is."""

    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = 0.0

    def add(self, call: Spent) -> None:
        self.tokens_in += call.tokens_in
        self.tokens_out += call.tokens_out
        if self.cost is not None:
            self.cost = None if call.cost is None else self.cost + call.cost

    def as_dict(self) -> dict[str, Any]:
        return {"tokens_in": self.tokens_in, "tokens_out": self.tokens_out, "cost": self.cost}
