"""Signed, expiring preview links: a draft opens in a browser at /lp/SLUG/preview?token=…
for whoever holds the link, and nowhere else before it is published."""

from __future__ import annotations

import hashlib
import hmac

PREVIEW_SECONDS = 7 * 24 * 3600
_PURPOSE = b"crm.landing_pages.preview"


def _signature(secret: str, page_id: str, expires: int) -> str:
    key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, f"{page_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def preview_token(secret: str, page_id: str, now: float) -> str:
    expires = int(now) + PREVIEW_SECONDS
    return f"{expires}.{_signature(secret, page_id, expires)}"


def valid_preview(secret: str, page_id: str, token: str, now: float) -> bool:
    """Made for this page with this key, and not expired."""
    expires, _, signature = token.partition(".")
    if not (expires.isascii() and expires.isdigit()) or int(expires) < now:
        return False
    expected = _signature(secret, page_id, int(expires))
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def preview_path(secret: str, page_id: str, slug: str, now: float) -> str:
    return f"/lp/{slug}/preview?token={preview_token(secret, page_id, now)}"
