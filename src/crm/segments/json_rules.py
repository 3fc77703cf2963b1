"""The JSON form of a rule (for the API); errors point at a JSON path like `$.all[1].field`.

{"all": [rule, …]} · {"any": [rule, …]} · {"not": rule}
{"field": "country", "op": "in", "value": ["DE", "AT"]}
{"field": "created", "op": ">", "value": {"ago": "30d"}}    (or {"date": "2024-01-31"})
{"field": "phone", "op": "exists"}
{"event": "opened", "within": "14d"}                        (also clicked, submitted)
{"event": "clicked", "campaign": "Spring launch"}           (a campaign's id or name)
"""

from __future__ import annotations

import re
from typing import Any

from crm.segments.nodes import (
    AllOf,
    AnyOf,
    Loc,
    Node,
    Not,
    RawCondition,
    RawEvent,
    RuleError,
    Value,
)
from crm.segments.parser import EVENT_VERBS, MAX_DEPTH, MAX_LIST, duration

_DURATION = re.compile(r"^(\d+)(mo|[hdwy])$")


def _duration(text: Any, loc: Loc) -> Value:
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise RuleError('expected a duration like "14d"', loc, " (units h, d, w, mo, y)")
    return Value("duration", duration(match[1], match[2], text, loc), loc)


def _value(raw: Any, path: str) -> Value:
    loc = Loc(path=path)
    if isinstance(raw, bool):
        return Value("bool", raw, loc)
    if isinstance(raw, int | float):
        return Value("number", raw, loc)
    if isinstance(raw, str):
        return Value("text", raw, loc)
    if isinstance(raw, dict) and set(raw) == {"ago"}:
        ago = _duration(raw["ago"], Loc(path=f"{path}.ago"))
        return Value("ago", ago.value, loc)
    if isinstance(raw, dict) and set(raw) == {"date"} and isinstance(raw["date"], str):
        return Value("text", raw["date"], loc)  # binding reads dates from text
    raise RuleError(
        'expected text, a number, true/false, {"ago": "30d"} or {"date": "2024-01-31"}',
        loc,
    )


def _condition(obj: dict[str, Any], path: str) -> RawCondition:
    unknown = set(obj) - {"field", "op", "value"}
    if unknown:
        raise RuleError(f"unknown key '{sorted(unknown)[0]}'", Loc(path=path))
    field, op = obj.get("field"), obj.get("op")
    if not isinstance(field, str):
        raise RuleError("expected a field name", Loc(path=f"{path}.field"))
    if not isinstance(op, str):
        raise RuleError("expected an operator", Loc(path=f"{path}.op"))
    op = " ".join(op.lower().split())
    raw = obj.get("value")
    value: Value | tuple[Value, ...] | None
    if op in ("exists", "not exists"):
        value = None
    elif op == "within":
        value = _duration(raw, Loc(path=f"{path}.value"))
    elif isinstance(raw, list):
        if not raw or len(raw) > MAX_LIST:
            raise RuleError(f"a list needs 1 to {MAX_LIST} values", Loc(path=f"{path}.value"))
        value = tuple(_value(item, f"{path}.value[{n}]") for n, item in enumerate(raw))
    else:
        value = _value(raw, f"{path}.value")
    return RawCondition(field.lower(), Loc(path=f"{path}.field"), op, Loc(path=f"{path}.op"), value)


def _event(obj: dict[str, Any], path: str) -> RawEvent:
    unknown = set(obj) - {"event", "campaign", "within"}
    if unknown:
        raise RuleError(f"unknown key '{sorted(unknown)[0]}'", Loc(path=path))
    verb = obj["event"]
    if not isinstance(verb, str) or verb.lower() not in EVENT_VERBS:
        raise RuleError(f"expected one of {', '.join(EVENT_VERBS)}", Loc(path=f"{path}.event"))
    campaign = obj.get("campaign")
    within = obj.get("within")
    return RawEvent(
        verb.lower(),
        _value(campaign, f"{path}.campaign") if campaign is not None else None,
        _duration(within, Loc(path=f"{path}.within")) if within is not None else None,
        Loc(path=path),
    )


def from_json(obj: Any, path: str = "$", depth: int = 0) -> Node:
    if depth > MAX_DEPTH:
        raise RuleError("the rule is nested too deeply", Loc(path=path))
    if not isinstance(obj, dict):
        raise RuleError("expected an object", Loc(path=path))
    for group, node in (("all", AllOf), ("any", AnyOf)):
        if group in obj:
            items = obj[group]
            if len(obj) != 1 or not isinstance(items, list) or not items:
                raise RuleError(f"'{group}' takes a non-empty list of rules", Loc(path=path))
            return node(
                tuple(
                    from_json(item, f"{path}.{group}[{n}]", depth + 1)
                    for n, item in enumerate(items)
                )
            )
    if "not" in obj:
        if len(obj) != 1:
            raise RuleError("'not' takes one rule and nothing else", Loc(path=path))
        return Not(from_json(obj["not"], f"{path}.not", depth + 1))
    if "event" in obj:
        return _event(obj, path)
    if "field" in obj:
        return _condition(obj, path)
    raise RuleError("expected one of the keys all, any, not, field, event", Loc(path=path))
