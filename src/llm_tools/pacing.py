"""How one model's requests are spaced: the client-side rate limits, the wait before a retry
(the provider's Retry-After when it sends one, else jittered backoff) and the pauses its
rate-limit headers ask for before a 429 happens."""

from __future__ import annotations

from collections.abc import Mapping

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from kernel.logs import get_logger
from llm_tools.limits import Clock, RateLimiter, Sleep
from llm_tools.retry import headers_of, is_retryable, parse_duration, retry_after

log = get_logger(__name__)


class Pacing:
    def __init__(
        self,
        model: str,
        *,
        rpm: int,
        tpm: int,
        max_retries: int,
        retry_after_cap: float,
        backoff_max: float,
        sleep: Sleep,
        clock: Clock,
    ) -> None:
        self.model = model
        self.limiter = RateLimiter(rpm=rpm, tpm=tpm, clock=clock, sleep=sleep)
        self._max_retries = max_retries
        self._retry_after_cap = retry_after_cap
        self._backoff = wait_random_exponential(multiplier=0.5, max=backoff_max)
        self._sleep = sleep

    def retrying(self) -> AsyncRetrying:
        """Attempts at one request: retried on 429, 5xx and timeouts, paced as above."""
        return AsyncRetrying(
            stop=stop_after_attempt(self._max_retries + 1),
            retry=retry_if_exception(is_retryable),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._before_retry,
            reraise=True,
        )

    def observe(self, headers: Mapping[str, str], reserved: int) -> None:
        """Slow down before a 429 when the provider says the window is (nearly) used up."""
        for kind, needed in (("requests", 1), ("tokens", reserved)):
            remaining = headers.get(f"x-ratelimit-remaining-{kind}")
            reset = parse_duration(headers.get(f"x-ratelimit-reset-{kind}", ""))
            if remaining is None or reset is None:
                continue
            try:
                left = float(remaining)
            except ValueError:
                continue
            if left < needed:
                self.limiter.pause(min(reset, self._retry_after_cap))
                log.info("llm_tools.rate_limit_pause", model=self.model, kind=kind, wait_s=reset)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(headers_of(exc)) if exc is not None else None
        if asked is not None:
            return min(asked, self._retry_after_cap)
        return float(self._backoff(state))

    async def _before_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.upcoming_sleep
        if exc is not None and getattr(exc, "status_code", None) == 429:
            # Hold every call to this model, not just this one, until the provider is ready.
            self.limiter.pause(wait)
        log.warning(
            "llm_tools.retry",
            model=self.model,
            attempt=state.attempt_number,
            status=getattr(exc, "status_code", None),
            error=type(exc).__name__,
            wait_s=round(wait, 3),
        )
