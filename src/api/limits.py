"""In-process rate limits (per API key, per client IP): token buckets on an injectable clock.

One server process holds the embedded database, so process memory is the right place; behind
several API processes each one limits on its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
MAX_TRACKED = 10_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`per_minute` requests per key, with bursts up to the same number."""

    def __init__(self, per_minute: int, *, clock: Clock = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def hit(self, key: str) -> float:
        """0 if allowed (and counted), else the seconds until the next request may pass."""
        if self.capacity <= 0:
            return 0.0
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: forgetting them changes no answer."""
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.at) * self.rate >= self.capacity:
                del self._buckets[key]
        if len(self._buckets) >= MAX_TRACKED:  # all busy: drop the oldest rather than grow
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k].at)
            for key in oldest[: MAX_TRACKED // 10]:
                del self._buckets[key]


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
