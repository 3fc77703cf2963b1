"""Which provider failures are retried, how long to wait, and what the caller sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from kernel.errors import LLMError, RateLimited
from llm_tools.retry import is_retryable, parse_duration, retry_after, to_crm_error


class ProviderError(Exception):
    def __init__(self, status: int | None, message: str = "failed", body: Any = None) -> None:
        super().__init__(message)
        self.status_code = status
        self.message = message
        self.body = body


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("2", 2.0), ("0.5", 0.5), ("20ms", 0.02), ("1s", 1.0), ("6m0s", 360.0), ("1h2m3.5s", 3723.5)],
)
def test_parse_duration(value: str, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "soon", "5 minutes", "1x"])
def test_parse_duration_rejects_what_it_cannot_read(value: str) -> None:
    assert parse_duration(value) is None


def test_retry_after_reads_milliseconds_seconds_and_dates() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    date = format_datetime(now + timedelta(seconds=30), usegmt=True)

    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert retry_after({"retry-after": "4"}) == 4.0
    assert retry_after({"retry-after": date}, now=now.timestamp()) == pytest.approx(30.0)
    assert retry_after({}) is None


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (ProviderError(429, "Rate limit reached"), True),
        (ProviderError(429, "You exceeded your current quota"), False),
        (ProviderError(429, "x", body={"code": "insufficient_quota"}), False),
        (ProviderError(500), True),
        (ProviderError(503), True),
        (ProviderError(408), True),
        (ProviderError(400), False),
        (ProviderError(401), False),
        (ProviderError(404), False),
        (ProviderError(422), False),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
        (ValueError("bug"), False),
        (LLMError("ours"), False),
    ],
)
def test_is_retryable(error: BaseException, retried: bool) -> None:
    assert is_retryable(error) is retried


def test_errors_map_to_the_crm_hierarchy() -> None:
    limited = to_crm_error(ProviderError(429, "slow down"), model="m", attempts=7)
    auth = to_crm_error(ProviderError(403, "forbidden"), model="m", attempts=1)
    server = to_crm_error(ProviderError(502, "bad gateway"), model="m", attempts=7)

    assert isinstance(limited, RateLimited)
    assert limited.details["attempts"] == 7
    assert isinstance(auth, LLMError) and auth.details["reason"] == "auth"
    assert isinstance(server, LLMError) and server.details["reason"] == "unavailable"
    assert server.message == "m: bad gateway"
