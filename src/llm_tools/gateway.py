"""The one door to an LLM: structured output, retries, rate limits, budget, cache, records.

    tool ──► Gateway.generate(Output, prompt)
               ├─ cache hit? ──────────────────────────────► validated Output
               └─ attempt ≤ max_attempts:
                    budget check ─► rate limiter ─► litellm (retried on 429/5xx/timeouts)
                    ─► record the call ─► validate JSON ─► Output, or re-ask with the errors

What litellm knows of a model lives in `llm_tools.provider` (imported on the first call only).
The database stays outside: callers hand in a `CallStore` (`llm_tools.calls`; SurrealDB in
`crm.llm_calls`, in-memory in tests and scripts).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from kernel.errors import LLMError
from kernel.logs import get_logger
from llm_tools import provider, structured, tokens
from llm_tools.calls import CachedCompletion, CallRecord, CallStore, Completion, Outcome, Usage
from llm_tools.errors import BudgetExceeded, LLMOutputInvalid
from llm_tools.limits import Clock, Sleep
from llm_tools.memory import InMemoryCallStore
from llm_tools.pacing import Pacing
from llm_tools.retry import to_crm_error

if TYPE_CHECKING:
    from kernel.settings import Settings

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

# Our token count is an estimate for non-OpenAI tokenizers: keep a tenth of the window spare.
CONTEXT_SAFETY = 0.9
# Room kept for the validation errors sent back when output must be repaired.
REPAIR_RESERVE_TOKENS = 300
# Room for the short note sent with a request repeated after a cut-off reply.
TRUNCATION_HINT_TOKENS = 40


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class Gateway:
    """Calls one model for the typed tools. Create one per process or command and share it."""

    def __init__(
        self,
        *,
        model: str,
        store: CallStore,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
        rpm: int = 0,
        tpm: int = 0,
        concurrency: int = 4,
        max_cost: float = 0.0,
        max_attempts: int = 3,
        max_truncated: int = 3,
        cache: bool = True,
        context_window: int | None = None,
        max_retries: int = 6,
        retry_after_cap: float = 60.0,
        backoff_max: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self.model = model
        self.store = store
        self.max_cost = max_cost
        self.cache = cache
        self.spent = 0.0
        self._api_base = api_base or None
        self._api_key = api_key or provider.keyless_server_key(model, self._api_base)
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._max_truncated = max(0, max_truncated)
        self._context_window = context_window
        self._pacing = Pacing(
            model,
            rpm=rpm,
            tpm=tpm,
            max_retries=max_retries,
            retry_after_cap=retry_after_cap,
            backoff_max=backoff_max,
            sleep=sleep,
            clock=clock,
        )
        self._slots = asyncio.Semaphore(concurrency) if concurrency > 0 else None
        self._shapes: dict[type[BaseModel], structured.Shape] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        store: CallStore,
        *,
        max_cost: float | None = None,
        cache: bool | None = None,
    ) -> Gateway:
        """The configured gateway; `max_cost`/`cache` override settings (CLI flags)."""
        return cls(
            model=settings.llm_model,
            store=store,
            api_base=settings.llm_api_base,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
            rpm=settings.llm_rpm,
            tpm=settings.llm_tpm,
            concurrency=settings.llm_concurrency,
            max_cost=settings.llm_max_cost if max_cost is None else max_cost,
            max_attempts=settings.llm_max_attempts,
            max_truncated=settings.llm_truncated_retries,
            cache=settings.llm_cache if cache is None else cache,
        )

    # -- token budgeting -------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return tokens.count_text(text, self.model)

    async def context_window(self) -> int:
        if self._context_window is None:
            self._context_window = await asyncio.to_thread(provider.context_window, self.model)
        return self._context_window

    async def prompt_budget(self, output: type[BaseModel], *, max_tokens: int) -> int:
        """Tokens left for the user prompt of a `generate(output, max_tokens=...)` call."""
        shape = await self._shape(output)
        reserved = max_tokens + tokens.count_messages([shape.system], self.model)
        reserved += tokens.TOKENS_PER_MESSAGE
        if self._max_attempts > 1:
            reserved += max_tokens + REPAIR_RESERVE_TOKENS
        elif self._max_truncated > 0:
            reserved += TRUNCATION_HINT_TOKENS
        return int(await self.context_window() * CONTEXT_SAFETY) - reserved

    # -- structured generation -------------------------------------------------------------

    async def generate(
        self,
        output: type[M],
        *,
        tool: str,
        prompt: str,
        context: Mapping[str, Any] | None = None,
        run: str | None = None,
        max_tokens: int = 512,
        temperature: float = 0.3,
    ) -> M:
        """Ask for JSON matching `output`; re-ask with the validation errors, bounded.

        `context` reaches the model's validators (pydantic validation context), for rules that
        depend on the input, such as a platform's length limit.
        """
        shape = await self._shape(output)
        messages = [shape.system, {"role": "user", "content": prompt}]
        params: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature}
        if shape.response_format is not None:
            params["response_format"] = shape.response_format
        key = self._cache_key(messages, params) if self.cache else None
        if key is not None and (hit := await self._from_cache(output, tool, key, context, run)):
            return hit

        request, problems, raw = messages, [], ""
        usage = Usage()
        # A reply cut off (by the length limit or a provider hiccup) is a transient fault with
        # a budget of its own; `max_attempts` bounds repairs of complete but invalid answers.
        invalid = truncated = 0
        while invalid < self._max_attempts:
            completion = await self._complete(tool, request, params, run)
            raw = completion.content
            usage.add(completion)
            try:
                result = output.model_validate_json(structured.json_text(raw), context=context)
            except ValidationError as exc:
                await self._record(tool, completion, cache_hit=False, outcome="invalid", run=run)
                problems = structured.problems(exc)
                cut_off = structured.is_cut_off(completion.finish_reason, exc)
                if cut_off and truncated < self._max_truncated:
                    truncated += 1
                else:
                    invalid += 1
                log.info(
                    "llm_tools.invalid_output",
                    tool=tool,
                    attempt=invalid + truncated,
                    cut_off=cut_off,
                    problems=len(problems),
                )
                log.debug("llm_tools.invalid_output_detail", tool=tool, problems=problems)
                if cut_off:  # the same request again, with a word to be brief
                    request = [*messages, structured.repair([], truncated=True)]
                else:
                    repair = structured.repair(problems, truncated=False)
                    request = [*messages, {"role": "assistant", "content": raw}, repair]
                continue
            await self._record(tool, completion, cache_hit=False, outcome="ok", run=run)
            if key is not None:
                entry = CachedCompletion(
                    model=self.model,
                    content=raw,
                    tokens_in=completion.tokens_in,
                    tokens_out=completion.tokens_out,
                )
                await self.store.cache_put(key, entry)
            return result
        attempts = invalid + truncated
        raise LLMOutputInvalid(
            f"{self.model} gave no valid {output.__name__} for {tool} after "
            f"{attempts} attempts: {'; '.join(problems[:3])}",
            tool=tool,
            model=self.model,
            attempts=attempts,
            raw=raw,
            problems=problems,
            usage=usage.as_dict(),
        )

    async def _from_cache(
        self,
        output: type[M],
        tool: str,
        key: str,
        context: Mapping[str, Any] | None,
        run: str | None,
    ) -> M | None:
        entry = await self.store.cache_get(key)
        if entry is None:
            return None
        try:
            result = output.model_validate_json(
                structured.json_text(entry.content), context=context
            )
        except ValidationError:
            return None  # cached before the rules changed: ask again
        # A cache hit costs nothing; the tokens say what it would have cost.
        hit = Completion(entry.content, "stop", entry.tokens_in, entry.tokens_out, 0.0, 0.0)
        await self._record(tool, hit, cache_hit=True, outcome="ok", run=run)
        return result

    async def _shape(self, output: type[BaseModel]) -> structured.Shape:
        if output not in self._shapes:
            self._shapes[output] = await asyncio.to_thread(structured.shape, self.model, output)
        return self._shapes[output]

    def _cache_key(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        payload = json.dumps(
            {"model": self.model, "messages": messages, "params": params}, sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    # -- one provider request --------------------------------------------------------------

    async def _complete(
        self, tool: str, messages: list[dict[str, str]], params: dict[str, Any], run: str | None
    ) -> Completion:
        await self._check_budget(run)
        litellm = await asyncio.to_thread(provider.load_litellm)
        if provider.is_local(self.model):
            from llm_tools import local

            local.ensure_available()
        max_tokens = int(params["max_tokens"])
        tokens_in = tokens.count_messages(messages, self.model)
        await self._check_fits(tokens_in, max_tokens)
        reserved = tokens_in + max_tokens
        started = time.perf_counter()
        attempts = 0
        try:
            async with AsyncExitStack() as stack:
                if self._slots is not None:
                    await stack.enter_async_context(self._slots)
                async for attempt in self._pacing.retrying():
                    with attempt:
                        attempts = attempt.retry_state.attempt_number
                        await self._pacing.limiter.acquire(reserved)
                        response = await litellm.acompletion(
                            model=self.model,
                            messages=messages,
                            api_base=self._api_base,
                            api_key=self._api_key,
                            timeout=self._timeout,
                            num_retries=0,
                            **params,
                        )
        except Exception as exc:
            failed = Completion("", "error", tokens_in, 0, None, _ms_since(started))
            await self._record(tool, failed, cache_hit=False, outcome="error", run=run)
            raise to_crm_error(exc, model=self.model, attempts=attempts) from exc

        choice = response.choices[0]
        usage = getattr(response, "usage", None)
        completion = Completion(
            content=choice.message.content or "",
            finish_reason=choice.finish_reason or "stop",
            tokens_in=getattr(usage, "prompt_tokens", None) or tokens_in,
            tokens_out=getattr(usage, "completion_tokens", None) or 0,
            cost=provider.cost(self.model, response),
            latency_ms=_ms_since(started),
        )
        self._pacing.limiter.refund(reserved - completion.tokens_in - completion.tokens_out)
        self._pacing.observe(provider.rate_headers(response), reserved)
        return completion

    async def _check_budget(self, run: str | None) -> None:
        if self.max_cost <= 0:
            return
        spent = await self.store.run_cost(run) if run else self.spent
        if spent >= self.max_cost:
            scope = f"run {run!r}" if run else "this session"
            raise BudgetExceeded(
                f"LLM budget reached: ${spent:.4f} spent of ${self.max_cost:.4f} for {scope}. "
                "Raise --max-cost or CRM_LLM_MAX_COST to continue.",
                details={"spent": spent, "max_cost": self.max_cost, "run": run},
            )

    async def _check_fits(self, tokens_in: int, max_tokens: int) -> None:
        window = await self.context_window()
        if tokens_in + max_tokens > window * CONTEXT_SAFETY:
            raise LLMError(
                f"The prompt ({tokens_in} tokens) plus {max_tokens} output tokens does not fit "
                f"{self.model}'s context of {window} tokens; shorten the input.",
                details={
                    "tokens_in": tokens_in,
                    "max_tokens": max_tokens,
                    "context_window": window,
                },
            )

    async def _record(
        self,
        tool: str,
        completion: Completion,
        *,
        cache_hit: bool,
        outcome: Outcome,
        run: str | None,
    ) -> None:
        if completion.cost:
            self.spent += completion.cost
        call = CallRecord(
            tool=tool,
            model=self.model,
            tokens_in=completion.tokens_in,
            tokens_out=completion.tokens_out,
            cost=completion.cost,
            latency_ms=round(completion.latency_ms, 3),
            cache_hit=cache_hit,
            outcome=outcome,
            run=run,
            created_at=datetime.now(UTC),
        )
        log.info("llm_tools.call", **call.model_dump(exclude={"created_at"}))
        await self.store.record(call)


def default_gateway() -> Gateway:
    """A gateway from the environment whose records stay in memory (scripts, notebooks)."""
    from kernel.settings import load_settings

    return Gateway.from_settings(load_settings(), InMemoryCallStore())
