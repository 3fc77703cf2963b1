"""Send pacing for one channel: a steady rate (messages per second) and a sliding window
(at most N messages in any period), shared by the channel's workers.

Clock and sleep are injected so tests check the schedule without waiting for it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    def __init__(
        self,
        *,
        rate: float = 0.0,
        window: tuple[int, float] | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._window = window
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    @property
    def unlimited(self) -> bool:
        return self._interval == 0 and self._window is None

    def delay(self) -> float:
        """Seconds until the next message may go (0 when it may go now)."""
        now = self._clock()
        wait = max(0.0, self._next - now)
        if self._window is not None:
            limit, period = self._window
            while self._sent and self._sent[0] <= now - period:
                self._sent.popleft()
            if len(self._sent) >= limit:
                wait = max(wait, self._sent[0] + period - now)
        return wait

    async def acquire(self) -> None:
        """Wait for this message's slot and take it. Slots are handed out one at a time, so
        concurrent workers queue up instead of all waking at once."""
        if self.unlimited:
            return
        async with self._lock:
            while (wait := self.delay()) > 0:
                await self._sleep(wait)
            now = self._clock()
            self._next = max(self._next, now) + self._interval
            if self._window is not None:
                self._sent.append(now)
