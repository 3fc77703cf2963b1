"""Client-side rate limits per model: requests/minute, tokens/minute and provider pauses.

Both limits are token buckets refilled continuously and holding about one second of budget,
so calls are spread evenly instead of bursting a whole minute's quota at once (providers
enforce their limits at that finer grain too). A call larger than the bucket waits for a full
bucket and then leaves it in debt, so big prompts are never starved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    def __init__(self, per_minute: int, clock: Clock) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self._clock = clock
        self._level = self.capacity
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self.capacity, self._level + (now - self._updated) * self.rate)
        self._updated = now

    def delay(self, amount: float) -> float:
        """Seconds until `amount` (or a full bucket, if larger) is available."""
        self._refill()
        missing = min(amount, self.capacity) - self._level
        return max(0.0, missing / self.rate)

    def take(self, amount: float) -> None:
        self._refill()
        self._level -= amount

    def give_back(self, amount: float) -> None:
        self._refill()
        self._level = min(self.capacity, self._level + amount)


class RateLimiter:
    """Admits calls for one model; 0 for a limit means unlimited."""

    def __init__(self, *, rpm: int, tpm: int, clock: Clock, sleep: Sleep) -> None:
        self._requests = TokenBucket(rpm, clock) if rpm > 0 else None
        self._tokens = TokenBucket(tpm, clock) if tpm > 0 else None
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0
        # Waiters queue in arrival order, so one big call cannot be overtaken forever.
        self._lock = asyncio.Lock()

    def _delay(self, tokens: int) -> float:
        delays = [self._paused_until - self._clock()]
        if self._requests:
            delays.append(self._requests.delay(1))
        if self._tokens:
            delays.append(self._tokens.delay(tokens))
        return max(delays)

    async def acquire(self, tokens: int) -> None:
        async with self._lock:
            while (wait := self._delay(tokens)) > 0:
                await self._sleep(wait)
            if self._requests:
                self._requests.take(1)
            if self._tokens:
                self._tokens.take(tokens)

    def refund(self, tokens: int) -> None:
        """Return tokens reserved for a call that used fewer."""
        if self._tokens and tokens > 0:
            self._tokens.give_back(tokens)

    def pause(self, seconds: float) -> None:
        """Hold every call to this model for `seconds` (a provider asked us to slow down)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
