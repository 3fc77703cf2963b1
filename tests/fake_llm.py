"""A fake OpenAI-compatible provider for the LLM-backed routes and commands (respx).

It answers each tool by the fields its system prompt asks for, so one fake serves asset
generation, landing pages and engagement summaries. Requests to 127.0.0.1 (a test's own
server) pass through to the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import respx

from llm_tools.provider import load_litellm

API_BASE = "http://llm.test/v1"
# In litellm's bundled price map, so every call has a known cost.
MODEL = "openai/gpt-4o-mini"
LLM_SETTINGS: dict[str, Any] = {
    "llm_model": MODEL,
    "llm_api_base": API_BASE,
    "llm_api_key": "test-llm-key",
    "llm_cache": False,
}


def use_fake_model(monkeypatch: pytest.MonkeyPatch, model: str = MODEL) -> None:
    """Configure `crm` commands run by this test, through the environment, for the fake."""
    for name, value in {**LLM_SETTINGS, "llm_model": model}.items():
        monkeypatch.setenv(f"CRM_{name.upper()}", str(value))


EMAIL: dict[str, Any] = {
    "subject": "The spring release is here",
    "message": "Our spring release is out, with faster reports for your whole team. "
    "Book a seat at the webinar today.",
}
PAGE: dict[str, Any] = {
    "headline": "Faster reports this spring",
    "subheadline": "See the spring release live and ask us anything.",
    "sections": [{"heading": "What is new", "body": "Reports that load in a second."}],
    "call_to_action": {"label": "Save my seat"},
    "seo_title": "Spring release webinar",
    "seo_description": "Join the spring release webinar: faster reports for growing teams.",
    "form_fields": [{"label": "Company", "type": "text", "required": False}],
}
SUMMARY: dict[str, Any] = {
    "summary": "Ada runs growth at Acme and was added from the command line this week.",
    "engagement_level": "warm",
    "interests": ["reporting"],
    "next_step": "Invite her to the spring webinar.",
}
TOKENS_IN, TOKENS_OUT = 100, 50


def reply(
    content: str | dict[str, Any],
    *,
    prompt_tokens: int = 20,
    completion_tokens: int = 10,
    finish_reason: str = "stop",
    model: str = "test-model",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """An OpenAI-compatible chat completion answering `content` (JSON-encoded if not text)."""
    text = content if isinstance(content, str) else json.dumps(content)
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1,
        "model": model,
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


def _answer(request: httpx.Request) -> httpx.Response:
    system = json.loads(request.content)["messages"][0]["content"]
    if "engagement_level" in system:
        content: dict[str, Any] = SUMMARY
    elif "seo_title" in system:
        content = PAGE
    else:
        content = EMAIL
    return reply(
        content, prompt_tokens=TOKENS_IN, completion_tokens=TOKENS_OUT, model="gpt-4o-mini"
    )


@contextmanager
def fake_provider() -> Iterator[respx.Route]:
    """The provider's chat completions route (its `.calls` are the model calls made)."""
    litellm: Any = load_litellm()
    litellm.disable_aiohttp_transport = True  # respx cannot see aiohttp
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield router.post(f"{API_BASE}/chat/completions").mock(side_effect=_answer)
