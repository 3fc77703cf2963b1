"""Input the database cannot store, refused as a 422 before a route runs: NUL characters
(refused in keys and strings) and lone surrogates (`"\\ud800"` in JSON: not encodable as
UTF-8). The 422 names the field."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request

from kernel.errors import ValidationFailed

_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters"
    if _SURROGATE.search(text):
        return "must not contain a lone surrogate (text that is not valid Unicode)"
    return None


def _first_problem(value: Any, where: str) -> tuple[str, str] | None:
    """(field, problem) for the first unstorable string in a JSON value, keys included."""
    if isinstance(value, str):
        problem = _unstorable(value)
        return (where or "body", problem) if problem else None
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _unstorable(key)
            if problem:
                return (f"{where}.{key!r}" if where else repr(key), f"field names {problem}")
            items.append((f"{where}.{key}" if where else key, item))
    elif isinstance(value, list):
        items = [(f"{where}[{n}]", item) for n, item in enumerate(value)]
    for path, item in items:
        found = _first_problem(item, path)
        if found:
            return found
    return None


def _refuse(field: str, problem: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {problem}", details={"field": field})


async def reject_unstorable(request: Request) -> None:
    """Runs before the body is parsed; the body is cached for FastAPI's own parsing."""
    if "\x00" in request.url.path:
        raise _refuse("path", "must not contain NUL characters")
    for name, value in request.query_params.multi_items():
        problem = _unstorable(name) or _unstorable(value)
        if problem:
            raise _refuse(name, problem)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("text/csv"):
        return  # an upload: checked as it streams to disk (routers.contacts), not read here
    body = await request.body()
    if b"\x00" in body:
        raise _refuse("body", "must not contain NUL characters")
    if b"\\u" not in body.lower():
        return  # no escapes: valid UTF-8 JSON holds neither NUL nor a lone surrogate
    try:
        document = json.loads(body)
    except ValueError:
        return  # not JSON: FastAPI answers that
    found = _first_problem(document, "")
    if found:
        raise _refuse(*found)
