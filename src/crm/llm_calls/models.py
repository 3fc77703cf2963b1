"""A stored LLM call, as listed by `crm llm calls` and the API."""

from __future__ import annotations

from llm_tools.calls import CallRecord


class LLMCall(CallRecord):
    id: str
