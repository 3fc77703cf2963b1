"""The operations of an app's OpenAPI document, and request bodies made from its schemas, for
tests that walk every route instead of a hand-kept list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def permission(self) -> str | None:
        found = self.spec.get("x-permission")
        return str(found) if found is not None else None

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def collection(self) -> str:
        """The path segment before the first parameter: `campaigns` for
        `/api/v1/analytics/campaigns/{ref}`."""
        head = self.path.split("{", 1)[0].rstrip("/")
        return head.rsplit("/", 1)[-1]

    def url(self, values: Mapping[str, str]) -> str:
        return re.sub(r"{(\w+)}", lambda m: quote(values[m.group(1)], safe=""), self.path)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(app: FastAPI) -> list[Operation]:
    doc = app.openapi()
    return [
        Operation(method, path, spec)
        for path, item in doc["paths"].items()
        for method, spec in item.items()
        if method in METHODS
    ]


def body(app: FastAPI, operation: Operation) -> Any:
    """A valid JSON body: the operation's first example, else one made from its schema."""
    content = operation.spec.get("requestBody", {}).get("content", {})
    json_body = content.get("application/json")
    if json_body is None:
        return None
    examples = json_body.get("examples")
    if examples:
        return next(iter(examples.values()))["value"]
    return sample(app.openapi(), json_body["schema"])


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def sample(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    schema = _resolve(doc, schema)
    if schema.get("examples"):
        return schema["examples"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(doc, o).get("type") != "null"]
            return sample(doc, options[0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        names = schema.get("required") or list(properties)[: schema.get("minProperties", 0)]
        return {name: sample(doc, properties[name]) for name in names}
    if kind == "array":
        return [sample(doc, schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        formats = {
            "email": "someone@example.com",
            "date-time": "2031-01-01T09:00:00Z",
            "uri": "https://example.com/",
        }
        return formats.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None
