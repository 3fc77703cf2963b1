"""Builders for fake provider responses and a fake clock, shared by the LLM tool tests."""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

TEST_MODEL = "openai/test-model"
# In litellm's bundled price map, so calls have a known cost.
PRICED_MODEL = "openai/gpt-4o-mini"


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def error(
    status: int, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, **extra}}, headers=headers)


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    """The JSON body of a request the provider received."""
    body: dict[str, Any] = json.loads(route.calls[index].request.content)
    return body
