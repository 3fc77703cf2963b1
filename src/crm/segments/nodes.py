"""The syntax tree both rule front ends (text and JSON) produce, before and after binding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from crm.segments.fields import Field
from kernel.errors import ValidationFailed


@dataclass(frozen=True)
class Loc:
    """Where something is in the rule: a 1-based column of the text, or a JSON path."""

    column: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        return f"column {self.column}" if self.column is not None else f"{self.path}"

    def details(self) -> dict[str, Any]:
        return {"column": self.column} if self.column is not None else {"path": self.path}


class RuleError(ValidationFailed):
    def __init__(self, problem: str, loc: Loc, hint: str = "") -> None:
        super().__init__(f"{problem} at {loc}{hint}", details={**loc.details(), "problem": problem})
        self.loc = loc


# What a value was written as; binding turns it into what a field compares against.
ValueKind = Literal["text", "number", "bool", "date", "ago", "duration"]


@dataclass(frozen=True)
class Value:
    kind: ValueKind
    value: str | int | float | bool | datetime | timedelta
    loc: Loc


@dataclass(frozen=True)
class RawCondition:
    field: str
    field_loc: Loc
    op: str  # as written: "=", "not in", "contains any", "exists", "within" …
    op_loc: Loc
    value: Value | tuple[Value, ...] | None  # a tuple for list values, None for exists


@dataclass(frozen=True)
class RawEvent:
    """An engagement fact (`opened within 14d`, `clicked campaign "x"`)."""

    verb: str
    campaign: Value | None
    within: Value | None
    loc: Loc


class Op(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not in"
    HAS = "contains"  # a tag
    HAS_ANY = "contains any"
    HAS_ALL = "contains all"
    MATCH = "~"  # case-insensitive substring of a text
    EXISTS = "exists"


@dataclass(frozen=True)
class Condition:
    """A bound condition: an allow-listed field, a canonical operator, a normalized value."""

    field: Field
    op: Op
    value: Any = None


@dataclass(frozen=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = AllOf | AnyOf | Not | RawCondition | RawEvent | Condition
