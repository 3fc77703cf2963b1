"""Rules -> parameterized SurrealQL: parse (text or JSON), bind to the field allow-list, emit.

Binding checks every field against `fields.FIELDS`, every operator against the field's type,
and turns values into what the database stores (country names -> codes, tags lower-case,
relative dates -> instants). Emitting writes only allow-listed idioms and operators; every
value, custom-field key included, becomes a bound parameter `$r0`, `$r1`, ….
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from crm.db import Pattern
from crm.segments.fields import (
    CAMPAIGN_FIELDS,
    EVENT_FIELDS,
    FIELDS,
    Field,
    Kind,
    UnknownField,
    lookup,
    suggest,
)
from crm.segments.json_rules import from_json
from crm.segments.nodes import (
    AllOf,
    AnyOf,
    Condition,
    Loc,
    Node,
    Not,
    Op,
    RawCondition,
    RawEvent,
    RuleError,
    Value,
)
from crm.segments.parser import parse

RuleInput = str | dict[str, Any]
# A campaign as a rule names it (`clicked campaign "x"`) -> the keys of the campaigns with that
# id or name: one key, none (unknown) or several (an ambiguous name).
Campaigns = Mapping[str, tuple[str, ...]]
# (field kind, literal kind) pairs whose literal is stored as written.
_PLAIN = {
    (Kind.NUMBER, "number"),
    (Kind.BOOL, "bool"),
    (Kind.ANY, "text"),
    (Kind.ANY, "number"),
    (Kind.ANY, "bool"),
}
# Longest run of one operator emitted unparenthesised (see `_chain`).
CHAIN_RUN = 16
ORDERING = {Op.LT, Op.LE, Op.GT, Op.GE}
_NEGATED = {Op.LT: Op.GE, Op.LE: Op.GT, Op.GT: Op.LE, Op.GE: Op.LT}
_WHAT = {
    Kind.TEXT: "text in quotes",
    Kind.NUMBER: "a number",
    Kind.BOOL: "true or false",
    Kind.DATE: "a date like 2024-01-31 or 30d ago",
    Kind.TAGS: "a tag in quotes",
    Kind.ANY: "text, a number or true/false",
}


def parse_rule(rule: RuleInput) -> Node:
    """The syntax tree of a rule given as text, as JSON text, or as a parsed JSON object."""
    if isinstance(rule, dict):
        return from_json(rule)
    if rule.lstrip().startswith("{"):
        try:
            obj = json.loads(rule)
        except json.JSONDecodeError as exc:
            raise RuleError(f"invalid JSON: {exc.msg}", Loc(column=exc.colno)) from None
        return from_json(obj)
    return parse(rule)


def campaign_refs(node: Node) -> Iterator[str]:
    """The campaigns a parsed rule names, as written, for looking them up before binding."""
    if isinstance(node, AllOf | AnyOf):
        for item in node.items:
            yield from campaign_refs(item)
    elif isinstance(node, Not):
        yield from campaign_refs(node.item)
    elif isinstance(node, RawEvent) and node.campaign and node.campaign.kind == "text":
        yield str(node.campaign.value)


def bind_rule(
    rule: RuleInput | Node, *, now: datetime | None = None, campaigns: Campaigns | None = None
) -> Node:
    """Parse (unless given a parsed rule) and check a rule; relative dates are taken from `now`,
    the campaigns it names from `campaigns`."""
    node = parse_rule(rule) if isinstance(rule, str | dict) else rule
    return _Binder(now or datetime.now(UTC), campaigns or {}).bind(node)


def compile_rule(
    rule: RuleInput | Node, *, now: datetime | None = None, campaigns: Campaigns | None = None
) -> tuple[str, dict[str, Any]]:
    """A SurrealQL boolean expression over `contact` and its bound parameters."""
    emitter = _Emitter()
    node = bind_rule(rule, now=now, campaigns=campaigns)
    if isinstance(node, AllOf):
        # Top-level conjuncts go bare: `WHERE x AND (rule)` stays a flat AND for the planner,
        # and an AND needs no parentheses wherever it is spliced in.
        sql = _chain([emitter.emit(item, negate=False) for item in node.items], " AND ")
    else:
        sql = emitter.emit(node, negate=False)
    return sql, emitter.params


class _Binder:
    def __init__(self, now: datetime, campaigns: Campaigns) -> None:
        self.now = now
        self.campaigns = campaigns

    def bind(self, node: Node) -> Node:
        if isinstance(node, AllOf):
            return AllOf(tuple(self.bind(item) for item in node.items))
        if isinstance(node, AnyOf):
            return AnyOf(tuple(self.bind(item) for item in node.items))
        if isinstance(node, Not):
            return Not(self.bind(node.item))
        if isinstance(node, RawEvent):
            return self.event(node)
        if isinstance(node, RawCondition):
            return self.condition(node)
        return node

    def event(self, raw: RawEvent) -> Node:
        """`opened` / `opened within 14d`: when the contact last did it, which crm.events
        keeps on the contact from the timeline."""
        if raw.verb not in EVENT_FIELDS:
            raise RuleError(
                f"'{raw.verb}' conditions are not available yet",
                raw.loc,
                f": {', '.join(EVENT_FIELDS)} work (nothing records replies or visits yet)",
            )
        if raw.campaign is not None:
            return self.campaign_event(raw, raw.campaign)
        field = FIELDS[EVENT_FIELDS[raw.verb]]
        if raw.within is None:
            return Condition(field, Op.EXISTS)
        assert isinstance(raw.within.value, timedelta)
        return Condition(field, Op.GE, self.before(raw.within.value, raw.within.loc))

    def campaign_event(self, raw: RawEvent, ref: Value) -> Node:
        """`clicked campaign "x"`: x is among the campaigns crm.events keeps on the contact."""
        if raw.within is not None:
            # The contact keeps when it last did something, not when it did it per campaign.
            raise RuleError(
                f"'{raw.verb} campaign' cannot take 'within' yet",
                raw.within.loc,
                f": use '{raw.verb} campaign \"…\"' or '{raw.verb} within …'",
            )
        if ref.kind != "text" or not str(ref.value).strip():
            raise RuleError("expected a campaign id or name in quotes", ref.loc)
        name = str(ref.value)
        keys = self.campaigns.get(name, ())
        if not keys:
            raise RuleError(
                f"unknown campaign '{name}'",
                ref.loc,
                ": use an id or a name from crm campaigns list",
            )
        if len(keys) > 1:
            raise RuleError(
                f"campaign name '{name}' is ambiguous",
                ref.loc,
                f": {len(keys)} campaigns have it, name one by its id ({', '.join(sorted(keys))})",
            )
        return Condition(CAMPAIGN_FIELDS[raw.verb], Op.HAS, keys[0])

    def condition(self, raw: RawCondition) -> Node:
        try:
            field = lookup(raw.field)
        except UnknownField as exc:
            raise RuleError(exc.problem, raw.field_loc, exc.hint) from None
        op = raw.op
        negated = op.startswith("not ") or op == "!~"
        base = op.removeprefix("not ") if op != "!~" else "~"
        if base in ("=", "==", "!=", "<", "<=", ">", ">="):
            bound = self.compare(field, "=" if base == "==" else base, raw)
        elif base == "in":
            bound = self.in_list(field, raw)
        elif base in ("contains", "contains any", "contains all", "~"):
            bound = self.contains(field, base, raw)
        elif base == "exists":
            bound = Condition(field, Op.EXISTS)
        elif base == "within":
            if field.kind != Kind.DATE:
                raise RuleError(
                    "'within' needs a date field", raw.op_loc, f"; {field} is {field.kind}"
                )
            delta = self.single(raw).value
            assert isinstance(delta, timedelta)
            bound = Condition(field, Op.GE, self.before(delta, raw.op_loc))
        else:
            raise RuleError(
                f"unknown operator '{op}'",
                raw.op_loc,
                ": use =, !=, <, <=, >, >=, in, contains, contains any, contains all, ~, !~, "
                "exists or within (in, contains and exists may follow 'not')",
            )
        return Not(bound) if negated else bound

    def compare(self, field: Field, op: str, raw: RawCondition) -> Node:
        if field.kind == Kind.TAGS:
            raise RuleError(f"'{op}' does not work on tags", raw.op_loc, ': use tags contains "x"')
        value = self.single(raw)
        if op in ("<", "<=", ">", ">="):
            numeric = field.kind == Kind.ANY and value.kind == "number"
            if field.kind not in (Kind.NUMBER, Kind.DATE) and not numeric:
                raise RuleError(
                    f"'{op}' needs a number or a date", raw.op_loc, f"; {field} is {field.kind}"
                )
        if field.kind == Kind.DATE and op in ("=", "!=") and value.kind == "ago":
            raise RuleError(
                "relative dates need <, <=, > or >=", raw.op_loc, f": like {field} > 30d ago"
            )
        bound = self.convert(field, value)
        if field.kind == Kind.DATE and op in ("=", "!=") and bound == _midnight(bound):
            # A day means the whole day (UTC).
            day = AllOf(
                (Condition(field, Op.GE, bound), Condition(field, Op.LT, bound + timedelta(days=1)))
            )
            return Not(day) if op == "!=" else day
        return Condition(field, Op(op), bound)

    def in_list(self, field: Field, raw: RawCondition) -> Node:
        if field.kind == Kind.TAGS:
            raise RuleError(
                "'in' does not work on tags", raw.op_loc, ': use tags contains any ["a", "b"]'
            )
        if field.kind == Kind.DATE:
            raise RuleError("'in' does not work on dates", raw.op_loc, ": use < and >")
        values = raw.value if isinstance(raw.value, tuple) else None
        if values is None:
            raise RuleError("'in' needs a list", raw.op_loc, ': like country in ["DE", "AT"]')
        return Condition(field, Op.IN, tuple(dict.fromkeys(self.convert(field, v) for v in values)))

    def contains(self, field: Field, op: str, raw: RawCondition) -> Node:
        if field.kind == Kind.TAGS:
            if op == "contains":
                if isinstance(raw.value, tuple):
                    raise RuleError(
                        "'contains' takes one tag",
                        raw.op_loc,
                        ": use contains any [...] or contains all [...]",
                    )
                return Condition(field, Op.HAS, self.convert(field, self.single(raw)))
            if op == "~":
                raise RuleError("'~' does not work on tags", raw.op_loc, ': use tags contains "x"')
            values = raw.value if isinstance(raw.value, tuple) else (self.single(raw),)
            tags = tuple(dict.fromkeys(self.convert(field, v) for v in values))
            return Condition(field, Op.HAS_ANY if op == "contains any" else Op.HAS_ALL, tags)
        if field.kind not in (Kind.TEXT, Kind.ANY) or op in ("contains any", "contains all"):
            raise RuleError(
                f"'{op}' does not work on {field}", raw.op_loc, f"; {field} is {field.kind}"
            )
        needle = self.single(raw)
        if needle.kind != "text" or not str(needle.value).strip():
            raise RuleError(f"'{op}' needs non-empty text in quotes", needle.loc)
        return Condition(field, Op.MATCH, str(needle.value).lower())

    def single(self, raw: RawCondition) -> Value:
        if isinstance(raw.value, Value):
            return raw.value
        raise RuleError(f"'{raw.op}' takes one value, not a list", raw.op_loc)

    def before(self, delta: timedelta, loc: Loc) -> datetime:
        try:
            return self.now - delta
        except OverflowError:
            raise RuleError("that date is out of range", loc) from None

    def convert(self, field: Field, value: Value) -> Any:
        """The stored form of a literal compared with `field`."""
        kind, raw = value.kind, value.value
        if field.kind == Kind.DATE:
            if kind == "ago":
                assert isinstance(raw, timedelta)
                return self.before(raw, value.loc)
            if kind == "date":
                return raw
            if kind == "text":  # the JSON form, and quoted dates in text rules
                return self.convert(field, _date_text(str(raw), value.loc))
        elif field.kind in (Kind.TEXT, Kind.TAGS) and kind == "text":
            text = field.normalize(str(raw)) if field.normalize else str(raw)
            if field.choices and text not in field.choices:
                raise RuleError(
                    f"unknown {field} '{text}'", value.loc, suggest(text, field.choices)
                )
            return text
        elif (field.kind, kind) in _PLAIN:
            return raw
        raise RuleError(f"{field} needs {_WHAT[field.kind]}, not {_shown(value)}", value.loc)


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _date_text(text: str, loc: Loc) -> Value:
    """Read "2024-01-31" or "30d ago" given as text (the JSON form, or a quoted date)."""
    problem = RuleError(f"'{text}' is not a date like 2024-01-31 or 30d ago", loc)
    try:
        node = parse(f"x > {text}")
    except RuleError:
        raise problem from None
    if not (isinstance(node, RawCondition) and isinstance(node.value, Value)):
        raise problem
    if node.value.kind not in ("date", "ago"):
        raise problem
    return Value(node.value.kind, node.value.value, loc)


def _shown(value: Value) -> str:
    if value.kind == "text":
        return f'"{value.value}"'
    if value.kind == "bool":
        return "true" if value.value else "false"
    if value.kind in ("ago", "duration"):
        return "a relative date"
    return str(value.value)


def _chain(parts: list[str], joiner: str) -> str:
    """`a OR b OR c …` as the engine can evaluate it: it nests a chain one level per operator
    and gives up past about a hundred levels, so long chains are grouped in parenthesised runs
    of `CHAIN_RUN` (150 conditions nest 3 groups deep instead of 150 operators)."""
    while len(parts) > CHAIN_RUN:
        runs = range(0, len(parts), CHAIN_RUN)
        parts = ["(" + joiner.join(parts[i : i + CHAIN_RUN]) + ")" for i in runs]
    return joiner.join(parts)


def _meets(cond: Condition, value: Any) -> bool:
    """Whether `value` meets `cond` (as SurrealQL compares it: the value of a missing field)."""
    match cond.op:
        case Op.EQ:
            return bool(value == cond.value)
        case Op.NE:
            return bool(value != cond.value)
        case Op.IN:
            return value in cond.value
        case Op.NOT_IN:
            return value not in cond.value
        case Op.LT:
            return bool(value < cond.value)
        case Op.LE:
            return bool(value <= cond.value)
        case Op.GT:
            return bool(value > cond.value)
        case Op.GE:
            return bool(value >= cond.value)
        case Op.HAS:
            return cond.value in value
        case Op.HAS_ANY:
            return any(item in value for item in cond.value)
        case Op.HAS_ALL:
            return all(item in value for item in cond.value)
        case Op.EXISTS:
            return bool(value) if cond.field.kind == Kind.TAGS else True
    raise AssertionError(cond.op)  # no field with an empty value takes text matching


# What Rust's `regex::escape` escapes, so that the needle is matched as it is written.
_REGEX_META = re.compile(r"[\\.+*?()|\[\]{}^$#&\-~]")


def _or_missing(path: str, sql: str, missing_meets: bool) -> str:
    """`sql` for a contact with a value at `path`; one without meets it when `missing_meets`."""
    return f"({path} = NONE OR {sql})" if missing_meets else f"({path} != NONE AND {sql})"


class _Emitter:
    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.seen: dict[tuple[str, str], str] = {}

    def param(self, value: Any) -> str:
        # The same value (a custom-field key used twice) is bound once; type is part of the
        # key because 1 == 1.0 == True in Python but not in SurrealQL.
        seen = (type(value).__name__, repr(value))
        if seen not in self.seen:
            self.seen[seen] = f"r{len(self.params)}"
            self.params[self.seen[seen]] = list(value) if isinstance(value, tuple) else value
        return f"${self.seen[seen]}"

    def emit(self, node: Node, *, negate: bool) -> str:
        # Negations are pushed down to the conditions (De Morgan): SurrealDB's planner gives up
        # on index use for a whole WHERE clause that contains a unary `!`.
        if isinstance(node, AllOf | AnyOf):
            joiner = " AND " if isinstance(node, AllOf) != negate else " OR "
            return "(" + _chain([self.emit(i, negate=negate) for i in node.items], joiner) + ")"
        if isinstance(node, Not):
            return self.emit(node.item, negate=not negate)
        if isinstance(node, Condition):
            return self.condition(node, negate)
        raise TypeError(f"unbound rule node {node!r}")  # bind_rule always runs first

    def path(self, field: Field, *, key: bool = False) -> str:
        path = (field.key_path or field.path) if key else field.path
        if field.custom_key is not None:
            return path.replace("$key", self.param(field.custom_key))
        return path

    def condition(self, cond: Condition, negate: bool) -> str:
        if cond.field.stand_in is not None:
            # Not `(updated_at ?? created_at) > $t`: the engine scans 5-8x slower through `??`
            # (a count over 30,000 contacts: 240-370 ms against 45-66 ms for this form).
            stand_in = replace(cond, field=FIELDS[cond.field.stand_in])
            path = cond.field.path
            return (
                f"(({path} != NONE AND {self.present(cond, negate)})"
                f" OR ({path} = NONE AND {self.present(stand_in, negate)}))"
            )
        if cond.field.empty is None:
            return self.present(cond, negate)
        # A contact without the field reads as its empty value. Whether that value meets the
        # condition is decided here, once: the engine scans 10x slower when each contact is
        # read through `(opens ?? 0)` (a count over 100,000 contacts, few matching: 550-600 ms
        # against 39 ms).
        sql = self.present(cond, negate)
        return _or_missing(cond.field.path, sql, _meets(cond, cond.field.empty) != negate)

    def present(self, cond: Condition, negate: bool) -> str:
        """The condition on a contact that has the field."""
        field, op = cond.field, cond.op
        if op in (Op.EQ, Op.NE, Op.IN, Op.NOT_IN):
            flip = {Op.EQ: Op.NE, Op.NE: Op.EQ, Op.IN: Op.NOT_IN, Op.NOT_IN: Op.IN}
            sql_op = {Op.EQ: "=", Op.NE: "!=", Op.IN: "IN", Op.NOT_IN: "NOT IN"}
            sql = sql_op[flip[op] if negate else op]
            return f"{self.path(field, key=True)} {sql} {self.param(cond.value)}"
        path = self.path(field)
        if op in ORDERING:
            return self.ordering(field, path, _NEGATED[op] if negate else op, cond.value, negate)
        if op == Op.HAS:
            return self.has(path, cond.value, negate)
        if op == Op.HAS_ANY:
            return f"{path} {'CONTAINSNONE' if negate else 'CONTAINSANY'} {self.param(cond.value)}"
        if op == Op.HAS_ALL:
            if not negate:
                return f"{path} CONTAINSALL {self.param(cond.value)}"
            # `CONTAINSALL … = false` is misplanned as an index union, so spell it out.
            return "(" + " OR ".join(self.has(path, t, negate=True) for t in cond.value) + ")"
        if op == Op.MATCH:
            return self.match(field, cond.value, negate)
        if op == Op.EXISTS:
            return self.exists(field, path, negate)
        raise AssertionError(op)

    def ordering(self, field: Field, path: str, op: Op, value: Any, negate: bool) -> str:
        compare = f"{path} {op} {self.param(value)}"
        if field.required:
            return compare
        # A missing value sorts below everything in SurrealDB, so `size < 50` would match
        # contacts without a company; comparisons only hold for values of the right type.
        if field.kind == Kind.ANY:
            return (
                f"(({path}).is_number() = false OR {compare})"
                if negate
                else f"(({path}).is_number() AND {compare})"
            )
        return _or_missing(path, compare, negate)

    def has(self, path: str, item: Any, negate: bool) -> str:
        """The array at `path` holds `item`. Not `path CONTAINS $item`: without an index the
        engine tests that 4x slower (`opened campaign "x"` over 100,000 contacts, 5,900 of them
        matching: 0.32 s against 1.3-1.4 s); the tags index serves either."""
        return f"{self.param(item)} {'NOTINSIDE' if negate else 'INSIDE'} {path}"

    def match(self, field: Field, needle: str, negate: bool) -> str:
        """Contains `needle` in any case: a regex, which only strings match. Not
        `string::contains(string::lowercase(…))`: the engine calls a function on each contact
        about 5x slower than it compares (the bench's rule over 100,000 contacts: 0.9-1.0 s
        against 0.19-0.21 s)."""
        pattern = self.param(Pattern("(?i)" + _REGEX_META.sub(r"\\\g<0>", needle)))
        return f"{self.path(field)} {'!=' if negate else '='} {pattern}"

    def exists(self, field: Field, path: str, negate: bool) -> str:
        if field.kind == Kind.TAGS:
            return f"array::len({path}) {'=' if negate else '>'} 0"
        if field.kind == Kind.ANY:
            return f"({path} ?? NONE) {'=' if negate else '!='} NONE"
        return f"{path} {'=' if negate else '!='} NONE"
