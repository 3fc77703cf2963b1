"""Structured output: the system message and `response_format` that ask a model for JSON
matching an output model, reading the JSON back out of a reply, and the re-ask message that
lists what did not validate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from llm_tools import provider
from prompts import render

MAX_PROBLEMS_SHOWN = 10


@dataclass(frozen=True)
class Shape:
    system: dict[str, str]
    response_format: dict[str, Any] | None


def shape(model: str, output: type[BaseModel]) -> Shape:
    """How to ask `model` for an `output` (blocking: litellm may be imported)."""
    schema = output.model_json_schema()
    response_format = provider.response_format(model, output.__name__, schema)
    fields = [(name, p.get("description", name)) for name, p in schema["properties"].items()]
    # A format without the schema (plain JSON mode or none) teaches nesting only via the
    # prompt, so the schema goes there instead.
    constrained = response_format is not None and (
        "schema" in response_format or "json_schema" in response_format
    )
    system = render("system", fields=fields, schema=None if constrained else json.dumps(schema))
    return Shape({"role": "system", "content": system}, response_format)


def json_text(content: str) -> str:
    """The JSON object in a reply, without the code fences or chatter models like to add."""
    start, end = content.find("{"), content.rfind("}")
    return content[start : end + 1] if 0 <= start < end else content


def problems(exc: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in error['loc']) or 'reply'}: {error['msg']}"
        for error in exc.errors(include_url=False)[:MAX_PROBLEMS_SHOWN]
    ]


def is_cut_off(finish_reason: str, exc: ValidationError) -> bool:
    """The reply stopped early (length limit, or JSON that ends mid-way), rather than being a
    complete answer that breaks a rule."""
    return finish_reason == "length" or any(
        error["type"] == "json_invalid" and "EOF" in error["msg"]
        for error in exc.errors(include_url=False)
    )


def repair(problems: list[str], *, truncated: bool) -> dict[str, str]:
    return {"role": "user", "content": render("repair", problems=problems, truncated=truncated)}
