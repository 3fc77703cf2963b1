"""Cursor pagination over record ranges: page 500 costs what page 1 costs."""

from __future__ import annotations

import base64
import binascii
import re

from kernel.errors import ValidationFailed

# Record ids made by SurrealDB are 20 characters of [0-9a-z]. Record ranges
# (`contact:`k`>..`) cannot take a bound parameter, so a key is checked against this before it
# is written into a range; anything else never reaches the query.
SAFE_KEY = re.compile(r"^[0-9A-Za-z_]{1,64}$")
MAX_LIMIT = 1000


def is_safe_key(key: str) -> bool:
    return bool(SAFE_KEY.fullmatch(key))


def range_source(table: str, after: str | None) -> str:
    """`table:..` or `table:`after`>..`: a key-ordered scan that starts past the cursor."""
    if after is None:
        return f"{table}:.."
    if not is_safe_key(after):
        raise ValidationFailed("invalid cursor")
    return f"{table}:`{after}`>.."


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed("invalid cursor") from None
    if not is_safe_key(key):
        raise ValidationFailed("invalid cursor")
    return key


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}")
    return limit
