"""Fit variable-length prompt material (a timeline) into the model's context, oldest out first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from kernel.errors import LLMError
from kernel.logs import get_logger
from llm_tools.gateway import Gateway

log = get_logger(__name__)
T = TypeVar("T")


async def render_newest(
    gateway: Gateway,
    output: type[BaseModel],
    items: Sequence[T],
    render: Callable[[Sequence[T]], str],
    *,
    max_tokens: int,
    tool: str,
) -> tuple[str, int]:
    """The prompt rendered with as many of the newest `items` (oldest first) as fit.

    Returns the prompt and how many of the oldest items were dropped. Raises when even the
    prompt without any item is too long, instead of sending something that cannot fit.
    """
    budget = await gateway.prompt_budget(output, max_tokens=max_tokens)

    def fits(dropped: int) -> bool:
        return gateway.count_tokens(render(items[dropped:])) <= budget

    if fits(0):
        return render(items), 0
    if not fits(len(items)):
        raise LLMError(
            f"The {tool} prompt does not fit {gateway.model}'s context even without the "
            f"{len(items)} timeline items; shorten the other inputs.",
            details={"tool": tool, "budget_tokens": budget},
        )
    # Smallest number of oldest items to drop; prompts only shrink as more are dropped.
    too_few, enough = 0, len(items)
    while enough - too_few > 1:
        middle = (too_few + enough) // 2
        if fits(middle):
            enough = middle
        else:
            too_few = middle
    log.info("llm_tools.prompt_trimmed", tool=tool, dropped=enough, kept=len(items) - enough)
    return render(items[enough:]), enough
