"""What to do when a provider call fails: retry (and how long to wait) or fail fast.

Retried: timeouts, connection failures, 5xx, 408 and 429 (honouring `retry-after-ms` /
`Retry-After`). Never retried: other 4xx (bad request, auth, not found) and a 429 that means
the account is out of quota, because waiting cannot fix those. Provider exceptions are mapped
to `kernel.errors` here, at the edge.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any

from kernel.errors import CRMError, LLMError, RateLimited

QUOTA_MARKERS = ("insufficient_quota", "exceeded your current quota", "billing")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def headers_of(exc: BaseException) -> Mapping[str, str]:
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    if headers is None:
        return {}
    return {str(k).lower(): str(v) for k, v in dict(headers).items()}


def provider_message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    message = getattr(exc, "message", None)
    return str(message if isinstance(message, str) else exc)


def is_quota_error(exc: BaseException) -> bool:
    body = getattr(exc, "body", None)
    text = f"{provider_message(exc)} {body if isinstance(body, dict) else ''}".lower()
    return status_of(exc) == 429 and any(marker in text for marker in QUOTA_MARKERS)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, CRMError):
        return False
    status = status_of(exc)
    if status is None:
        # No HTTP status: a timeout or a dropped connection, which is worth another try.
        return isinstance(exc, TimeoutError | ConnectionError)
    if status == 429:
        return not is_quota_error(exc)
    return status == 408 or status >= 500


def parse_duration(value: str) -> float | None:
    """`"1.5"`, `"20ms"`, `"1s"`, `"6m0s"` (OpenAI's reset headers) -> seconds."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the provider asked us to wait, from `retry-after-ms` or `retry-after`."""
    if "retry-after-ms" in headers:
        try:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = parse_duration(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def to_crm_error(exc: BaseException, *, model: str, attempts: int) -> CRMError:
    """The error a caller sees once a provider call has failed for good."""
    if isinstance(exc, CRMError):
        return exc
    status = status_of(exc)
    message = provider_message(exc)
    details: dict[str, Any] = {"model": model, "status": status, "attempts": attempts}
    if is_quota_error(exc):
        return LLMError(
            f"{model}: the provider account is out of quota: {message}",
            details={**details, "reason": "insufficient_quota"},
        )
    if status == 429:
        return RateLimited(
            f"{model}: still rate limited after {attempts} attempts: {message}",
            details={**details, "retry_after": retry_after(headers_of(exc))},
        )
    if status in (401, 403):
        return LLMError(
            f"{model}: the provider rejected the credentials ({status}): {message}. "
            "Check CRM_LLM_API_KEY (or the provider's own key variable).",
            details={**details, "reason": "auth"},
        )
    reason = "unavailable" if is_retryable(exc) else "rejected"
    return LLMError(f"{model}: {message}", details={**details, "reason": reason})
