"""A plain-Python reading of a bound rule: what the compiled SurrealQL must agree with."""

from __future__ import annotations

from typing import Any

from crm.segments.fields import FIELDS, Field, Kind
from crm.segments.nodes import AllOf, AnyOf, Condition, Node, Not, Op


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    # SurrealQL: 1 = 1.0 but true != 1 and "1" != 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _number(a) and _number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


def _read(contact: dict[str, Any], field: Field, *, key: bool) -> Any:
    path = (field.key_path or field.path) if key else field.path
    if field.custom_key is not None:
        holder = (
            contact.get("custom")
            if path.startswith("custom")
            else (contact.get("company") or {}).get("custom")
        )
        return (holder or {}).get(field.custom_key)
    value: Any = contact
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None and field.empty is not None:
        return list(field.empty) if isinstance(field.empty, tuple) else field.empty
    if value is None and field.stand_in is not None:
        return _read(contact, FIELDS[field.stand_in], key=key)
    return value


def evaluate(node: Node, contact: dict[str, Any]) -> bool:
    if isinstance(node, AllOf):
        return all(evaluate(item, contact) for item in node.items)
    if isinstance(node, AnyOf):
        return any(evaluate(item, contact) for item in node.items)
    if isinstance(node, Not):
        return not evaluate(node.item, contact)
    assert isinstance(node, Condition)
    field, op, want = node.field, node.op, node.value
    if op in (Op.EQ, Op.NE, Op.IN, Op.NOT_IN):
        have = _read(contact, field, key=True)
        if op in (Op.EQ, Op.NE):
            return _same(have, want) == (op == Op.EQ)
        return any(_same(have, w) for w in want) == (op == Op.IN)
    have = _read(contact, field, key=False)
    if op in (Op.LT, Op.LE, Op.GT, Op.GE):
        if field.kind == Kind.ANY and not _number(have):
            return False
        if have is None:
            return False
        return bool(
            {Op.LT: have < want, Op.LE: have <= want, Op.GT: have > want, Op.GE: have >= want}[op]
        )
    if op == Op.HAS:
        return want in have
    if op == Op.HAS_ANY:
        return any(w in have for w in want)
    if op == Op.HAS_ALL:
        return all(w in have for w in want)
    if op == Op.MATCH:
        if field.kind == Kind.ANY:
            return isinstance(have, str) and want in have.lower()
        return want in (have or "").lower()
    assert op == Op.EXISTS
    return bool(have) if field.kind == Kind.TAGS else have is not None
