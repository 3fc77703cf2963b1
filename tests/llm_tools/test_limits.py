"""Client-side rate limits, on a fake clock."""

from __future__ import annotations

import pytest

from llm_fakes import FakeTime
from llm_tools.limits import RateLimiter


def limiter(fake_time: FakeTime, *, rpm: int = 0, tpm: int = 0) -> RateLimiter:
    return RateLimiter(rpm=rpm, tpm=tpm, clock=fake_time.clock, sleep=fake_time.sleep)


async def test_unlimited_never_waits(fake_time: FakeTime) -> None:
    unlimited = limiter(fake_time)
    for _ in range(100):
        await unlimited.acquire(10_000)
    assert fake_time.sleeps == []


async def test_requests_per_minute_are_spread_evenly(fake_time: FakeTime) -> None:
    per_second = limiter(fake_time, rpm=120)  # two per second, one second of burst

    for _ in range(6):
        await per_second.acquire(1)

    assert fake_time.now - 1000.0 == pytest.approx(2.0)
    assert all(s == pytest.approx(0.5) for s in fake_time.sleeps)


async def test_tokens_per_minute_hold_big_calls_until_the_bucket_refills(
    fake_time: FakeTime,
) -> None:
    tokens = limiter(fake_time, tpm=6000)  # 100 tokens per second

    await tokens.acquire(250)  # larger than the bucket: admitted when full, leaves debt
    await tokens.acquire(50)

    assert fake_time.now - 1000.0 == pytest.approx(2.0)


async def test_refunds_give_unused_tokens_back(fake_time: FakeTime) -> None:
    tokens = limiter(fake_time, tpm=6000)

    await tokens.acquire(100)
    tokens.refund(100)
    await tokens.acquire(100)

    assert fake_time.sleeps == []


async def test_pause_holds_every_caller(fake_time: FakeTime) -> None:
    paused = limiter(fake_time)
    paused.pause(3.0)
    paused.pause(1.0)  # a shorter pause never shortens a longer one

    await paused.acquire(1)

    assert fake_time.sleeps == [pytest.approx(3.0)]
