"""PATCH bodies: a field left out keeps its value. `NotNull[T]` marks a field that cannot be
cleared (an email, a name, a list): null is refused as a 422, and the OpenAPI schema does not
offer it. A plain `T | None` field is one that null clears."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, Field
from pydantic.json_schema import SkipJsonSchema

T = TypeVar("T")


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("cannot be null: leave the field out to keep its value")
    return value


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


NotNull = Annotated[
    T | SkipJsonSchema[None],
    BeforeValidator(_not_null),
    Field(json_schema_extra=_no_default),
]
