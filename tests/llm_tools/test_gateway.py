"""The gateway against a respx-mocked OpenAI-compatible provider."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
import respx
from pydantic import BaseModel, Field

from fake_llm import reply
from kernel.errors import LLMError, RateLimited
from llm_fakes import PRICED_MODEL, FakeTime, error, sent
from llm_tools.calls import CallRecord
from llm_tools.errors import BudgetExceeded, LLMOutputInvalid
from llm_tools.gateway import Gateway
from llm_tools.memory import InMemoryCallStore

GOOD = {"summary": "Ada read three emails about analytics.", "level": 2}


class Verdict(BaseModel):
    summary: str = Field(min_length=5, description="One sentence.")
    level: int = Field(ge=1, le=3, description="Interest from 1 (low) to 3 (high).")


async def ask(gateway: Gateway, prompt: str = "How engaged is Ada?", **kwargs: object) -> Verdict:
    return await gateway.generate(Verdict, tool="verdict", prompt=prompt, **kwargs)  # type: ignore[arg-type]


class TestStructuredOutput:
    async def test_valid_output_is_returned_and_recorded(
        self, gateway: Gateway, provider: respx.Route, store: InMemoryCallStore
    ) -> None:
        provider.side_effect = [reply(GOOD, prompt_tokens=31, completion_tokens=12)]

        result = await ask(gateway, run="spring")

        assert result == Verdict(**GOOD)
        [call] = store.calls
        assert (call.tool, call.model, call.outcome, call.run) == (
            "verdict",
            "openai/test-model",
            "ok",
            "spring",
        )
        assert (call.tokens_in, call.tokens_out, call.cache_hit) == (31, 12, False)
        assert call.latency_ms > 0

    async def test_invalid_output_is_re_asked_with_the_errors(
        self, gateway: Gateway, provider: respx.Route, store: InMemoryCallStore
    ) -> None:
        provider.side_effect = [reply({"summary": "Ada.", "level": 9}), reply(GOOD)]

        assert await ask(gateway) == Verdict(**GOOD)

        repair = sent(provider, 1)["messages"]
        assert repair[2] == {"role": "assistant", "content": '{"summary": "Ada.", "level": 9}'}
        assert "level: Input should be less than or equal to 3" in repair[3]["content"]
        assert "summary: String should have at least 5 characters" in repair[3]["content"]
        assert [c.outcome for c in store.calls] == ["invalid", "ok"]

    async def test_json_in_code_fences_is_accepted(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [
            reply('Sure!\n```json\n{"summary": "Ada is keen.", "level": 3}\n```')
        ]

        assert (await ask(gateway)).level == 3

    async def test_truncated_output_asks_for_less(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [
            reply('{"summary": "Ada read thr', finish_reason="length"),
            reply(GOOD),
        ]

        await ask(gateway)

        assert "cut off at the length limit" in sent(provider)["messages"][-1]["content"]

    async def test_cut_off_replies_have_their_own_retry_budget(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        cut = reply('{"summary": "Ada read thr', finish_reason="length")
        cut_mid_json = reply('{"summary": "Ada read three emails", "lev')
        provider.side_effect = [cut, cut_mid_json, reply(GOOD)]

        assert await ask(make_gateway(max_attempts=1, max_truncated=2)) == Verdict(**GOOD)

        retried = sent(provider, 2)["messages"]
        assert len(retried) == 3  # the request again, with a note, not the cut-off text
        assert "cut off at the length limit" in retried[-1]["content"]

    async def test_cut_off_replies_beyond_their_budget_fail(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        cut = reply('{"summary": "Ada read thr', finish_reason="length")
        provider.side_effect = [cut, cut, cut]

        with pytest.raises(LLMOutputInvalid) as failure:
            await ask(make_gateway(max_attempts=1, max_truncated=1))

        assert provider.call_count == 2
        assert failure.value.attempts == 2

    async def test_gives_up_after_max_attempts_with_the_last_output(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        provider.side_effect = [reply("not json", completion_tokens=3) for _ in range(2)]

        with pytest.raises(LLMOutputInvalid) as failure:
            await ask(make_gateway(max_attempts=2))

        assert provider.call_count == 2
        assert isinstance(failure.value, LLMError)
        assert failure.value.code == "llm_output_invalid"
        assert (failure.value.attempts, failure.value.raw) == (2, "not json")
        assert failure.value.usage == {"tokens_in": 40, "tokens_out": 6, "cost": None}
        details = failure.value.details
        assert details["raw"] == "not json"
        assert details["attempts"] == 2
        assert details["usage"] == {"tokens_in": 40, "tokens_out": 6, "cost": None}
        assert "Invalid JSON" in details["problems"][0]

    async def test_schema_goes_in_the_prompt_when_the_provider_has_only_json_mode(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(GOOD)]

        await ask(gateway)

        body = sent(provider)
        assert body["response_format"] == {"type": "json_object"}
        system = body["messages"][0]["content"]
        assert '"level": Interest from 1 (low) to 3 (high).' in system
        assert '"maximum": 3' in system

    async def test_schema_goes_in_response_format_when_supported(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(GOOD)]

        await ask(make_gateway(model=PRICED_MODEL))

        body = sent(provider)
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["schema"] == Verdict.model_json_schema()
        assert "JSON schema" not in body["messages"][0]["content"]


class TestRetries:
    async def test_429_waits_as_long_as_retry_after_says(
        self, gateway: Gateway, provider: respx.Route, fake_time: FakeTime
    ) -> None:
        provider.side_effect = [error(429, "slow down", headers={"Retry-After": "7"}), reply(GOOD)]

        assert await ask(gateway) == Verdict(**GOOD)

        assert provider.call_count == 2
        assert fake_time.sleeps == [7.0]

    async def test_retry_after_ms_wins_and_long_waits_are_capped(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route, fake_time: FakeTime
    ) -> None:
        provider.side_effect = [
            error(429, "slow", headers={"retry-after-ms": "250", "Retry-After": "1"}),
            error(429, "slow", headers={"Retry-After": "3600"}),
            reply(GOOD),
        ]

        await ask(make_gateway(retry_after_cap=30.0))

        assert fake_time.sleeps == [0.25, 30.0]

    async def test_server_errors_are_retried_with_bounded_backoff(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route, fake_time: FakeTime
    ) -> None:
        provider.side_effect = [error(500, "boom"), error(503, "busy"), reply(GOOD)]

        await ask(make_gateway(backoff_max=4.0))

        assert provider.call_count == 3
        assert len(fake_time.sleeps) == 2
        assert all(0 <= s <= 4.0 for s in fake_time.sleeps)

    async def test_timeouts_are_retried(self, gateway: Gateway, provider: respx.Route) -> None:
        provider.side_effect = [httpx.ReadTimeout("slow"), reply(GOOD)]

        assert await ask(gateway) == Verdict(**GOOD)
        assert provider.call_count == 2

    async def test_auth_error_fails_fast_with_the_provider_message(
        self, gateway: Gateway, provider: respx.Route, store: InMemoryCallStore
    ) -> None:
        provider.side_effect = [error(401, "Incorrect API key provided")]

        with pytest.raises(LLMError) as failure:
            await ask(gateway)

        assert provider.call_count == 1
        assert "Incorrect API key provided" in failure.value.message
        assert "CRM_LLM_API_KEY" in failure.value.message
        assert [c.outcome for c in store.calls] == ["error"]

    async def test_bad_request_is_not_retried(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [error(400, "unknown parameter")]

        with pytest.raises(LLMError, match="unknown parameter"):
            await ask(gateway)
        assert provider.call_count == 1

    async def test_exhausted_quota_is_not_retried(
        self, gateway: Gateway, provider: respx.Route, fake_time: FakeTime
    ) -> None:
        provider.side_effect = [
            error(429, "You exceeded your current quota", type="insufficient_quota")
        ]

        with pytest.raises(LLMError) as failure:
            await ask(gateway)

        assert not isinstance(failure.value, RateLimited)
        assert failure.value.details["reason"] == "insufficient_quota"
        assert "exceeded your current quota" in failure.value.message
        assert provider.call_count == 1
        assert fake_time.sleeps == []

    async def test_persistent_429_ends_as_rate_limited(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        provider.side_effect = [error(429, "slow down", headers={"Retry-After": "1"})] * 3

        with pytest.raises(RateLimited) as failure:
            await ask(make_gateway(max_retries=2))

        assert provider.call_count == 3
        assert failure.value.details["attempts"] == 3

    async def test_rate_limit_headers_slow_down_before_a_429(
        self, gateway: Gateway, provider: respx.Route, fake_time: FakeTime
    ) -> None:
        exhausted = {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2.5s"}
        provider.side_effect = [reply(GOOD, headers=exhausted), reply(GOOD)]

        await ask(gateway, prompt="first")
        await ask(gateway, prompt="second")

        assert fake_time.sleeps == [pytest.approx(2.5)]


class TestLimits:
    async def test_requests_per_minute_spread_calls(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route, fake_time: FakeTime
    ) -> None:
        provider.side_effect = [reply(GOOD) for _ in range(3)]
        gateway = make_gateway(rpm=30, cache=False)

        for _ in range(3):
            await ask(gateway)

        assert fake_time.sleeps == [pytest.approx(2.0), pytest.approx(2.0)]

    async def test_concurrency_cap_holds(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        in_flight, peak = 0, 0

        async def slow_reply(request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1
            return reply(GOOD)

        provider.side_effect = slow_reply
        gateway = make_gateway(concurrency=2, cache=False)

        await asyncio.gather(*(ask(gateway) for _ in range(6)))

        assert provider.call_count == 6
        assert peak == 2


class TestBudget:
    async def test_calls_stop_once_the_budget_is_spent(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route, store: InMemoryCallStore
    ) -> None:
        provider.side_effect = [reply(GOOD, prompt_tokens=1000, completion_tokens=100)] * 2
        gateway = make_gateway(model=PRICED_MODEL, max_cost=0.0001, cache=False)

        await ask(gateway)
        assert gateway.spent == pytest.approx(store.calls[0].cost)
        assert gateway.spent >= 0.0001

        with pytest.raises(BudgetExceeded, match="budget reached"):
            await ask(gateway)
        assert provider.call_count == 1

    async def test_a_run_budget_counts_earlier_calls_of_that_run(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route, store: InMemoryCallStore
    ) -> None:
        earlier = CallRecord(
            tool="email",
            model=PRICED_MODEL,
            tokens_in=1,
            tokens_out=1,
            cost=0.5,
            latency_ms=1.0,
            cache_hit=False,
            outcome="ok",
            run="spring",
            created_at="2025-01-01T00:00:00Z",  # type: ignore[arg-type]
        )
        await store.record(earlier)
        provider.side_effect = [reply(GOOD)]
        gateway = make_gateway(model=PRICED_MODEL, max_cost=0.5)

        with pytest.raises(BudgetExceeded) as failure:
            await ask(gateway, run="spring")
        assert failure.value.details == {"spent": 0.5, "max_cost": 0.5, "run": "spring"}

        await ask(gateway, run="autumn")
        assert provider.call_count == 1

    async def test_unpriced_model_records_unknown_cost(
        self, gateway: Gateway, provider: respx.Route, store: InMemoryCallStore
    ) -> None:
        provider.side_effect = [reply(GOOD)]

        await ask(gateway)

        assert store.calls[0].cost is None


class TestCache:
    async def test_identical_call_is_answered_from_the_cache(
        self, gateway: Gateway, provider: respx.Route, store: InMemoryCallStore
    ) -> None:
        provider.side_effect = [reply(GOOD, prompt_tokens=50, completion_tokens=9)]

        first = await ask(gateway)
        second = await ask(gateway)

        assert first == second
        assert provider.call_count == 1
        hit = store.calls[-1]
        assert (hit.cache_hit, hit.cost, hit.tokens_in, hit.tokens_out) == (True, 0.0, 50, 9)

    async def test_the_cache_survives_the_gateway(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(GOOD)]

        await ask(make_gateway())
        await ask(make_gateway())

        assert provider.call_count == 1

    async def test_repaired_answers_are_cached_for_the_original_request(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [reply({"summary": "x", "level": 0}), reply(GOOD)]

        await ask(gateway)
        assert await ask(gateway) == Verdict(**GOOD)
        assert provider.call_count == 2

    async def test_different_prompts_or_params_miss(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(GOOD)] * 3

        await ask(gateway, prompt="a")
        await ask(gateway, prompt="b")
        await ask(gateway, prompt="a", temperature=0.9)

        assert provider.call_count == 3

    async def test_no_cache_always_calls(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(GOOD)] * 2
        gateway = make_gateway(cache=False)

        await ask(gateway)
        await ask(gateway)

        assert provider.call_count == 2


class TestContextBudget:
    async def test_a_prompt_that_cannot_fit_is_refused_before_any_call(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        gateway = make_gateway(context_window=1000)

        with pytest.raises(LLMError, match="does not fit"):
            await ask(gateway, prompt="word " * 2000, max_tokens=100)
        assert provider.call_count == 0

    async def test_prompt_budget_leaves_room_for_output_and_a_repair(
        self, make_gateway: Callable[..., Gateway]
    ) -> None:
        one_attempt = make_gateway(context_window=4000, max_attempts=1)
        three_attempts = make_gateway(context_window=4000, max_attempts=3)

        single = await one_attempt.prompt_budget(Verdict, max_tokens=500)
        repairable = await three_attempts.prompt_budget(Verdict, max_tokens=500)

        assert 0 < single < 3600 - 500
        assert repairable < single - 500
