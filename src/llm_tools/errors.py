"""The LLM failures callers may want to tell apart; all are `kernel.errors.LLMError` (502)."""

from __future__ import annotations

from typing import Any

from kernel.errors import LLMError


class BudgetExceeded(LLMError):
    code = "llm_budget_exceeded"


class LLMOutputInvalid(LLMError):
    """Every attempt answered, but none gave output that validates."""

    code = "llm_output_invalid"

    def __init__(
        self,
        message: str,
        *,
        tool: str,
        model: str,
        attempts: int,
        raw: str,
        problems: list[str],
        usage: dict[str, Any],
    ) -> None:
        super().__init__(
            message,
            details={
                "tool": tool,
                "model": model,
                "attempts": attempts,
                "raw": raw,
                "problems": problems,
                "usage": usage,
            },
        )
        self.tool = tool
        self.model = model
        self.attempts = attempts
        self.raw = raw
        self.problems = problems
        self.usage = usage
