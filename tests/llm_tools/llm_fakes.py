"""Builders for fake provider responses and a fake clock, shared by the LLM tool tests."""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

API_BASE = "http://llm.test/v1"
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


def reply(
    content: str | dict[str, Any],
    *,
    prompt_tokens: int = 20,
    completion_tokens: int = 10,
    finish_reason: str = "stop",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    text = content if isinstance(content, str) else json.dumps(content)
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return httpx.Response(200, json=body, headers=headers)


def error(
    status: int, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, **extra}}, headers=headers)


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    """The JSON body of a request the provider received."""
    body: dict[str, Any] = json.loads(route.calls[index].request.content)
    return body
