"""The text form of a rule: a tokenizer and a recursive-descent parser.

    rule      := any
    any       := all ("or" all)*
    all       := unary ("and" unary)*
    unary     := "not" unary | "(" any ")" | event | condition
    event     := VERB ["campaign" TEXT] ["within" DURATION]        (opened, clicked, …)
    condition := FIELD ( CMP value | ["not"] "in" list | ["not"] "contains" ["any"|"all"] item
                       | "~" TEXT | "!~" TEXT | ["not"] "exists" | "within" DURATION )
    value     := TEXT | NUMBER | true | false | DATE | DURATION "ago"
    item      := value | list ;  list := "[" value ("," value)* "]"

Anything the tokenizer does not know (`;`, backticks, `$`, comments …) is an error, so no
input reaches SurrealQL except through bound values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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

MAX_LENGTH = 4000
MAX_DEPTH = 40
MAX_LIST = 1000
EVENT_VERBS = ("opened", "clicked", "replied", "visited", "submitted")
KEYWORDS = {
    "and", "or", "not", "in", "contains", "any", "all", "exists", "within", "ago", "true",
    "false", "campaign",
}  # fmt: skip
COMPARISONS = ("=", "==", "!=", "<", "<=", ">", ">=")
DURATION_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1),
                  "mo": timedelta(days=30), "y": timedelta(days=365)}  # fmt: skip
MAX_DURATION = timedelta(days=365 * 200)

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
    | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
      (?![\w.:-])
    | (?P<dur>\d+(?:mo|[hdwy]))(?!\w)
    | (?P<num>-?\d+(?:\.\d+)?)(?![\w.])
    | (?P<op><=|>=|!=|==|!~|=|<|>|~)
    | (?P<punct>[()\[\],])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?![\w.])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # ws/str/date/dur/num/op/punct/word, or "end"
    text: str
    column: int

    @property
    def loc(self) -> Loc:
        return Loc(column=self.column)

    def shown(self) -> str:
        return "the end of the rule" if self.kind == "end" else f"'{self.text}'"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            loc = Loc(column=pos + 1)
            char = text[pos]
            if char in "\"'":
                raise RuleError("unterminated text", loc, f": close it with {char}")
            if re.match(r"-?\d", text[pos:]):
                word = re.match(r"[-\w.:]+", text[pos:])
                shown = word[0] if word else char
                raise RuleError(
                    f"cannot read '{shown}'",
                    loc,
                    ": write numbers like 50 or 2.5, dates like 2024-01-31, "
                    "relative dates like 30d ago (units h, d, w, mo, y)",
                )
            raise RuleError(f"unexpected character '{char}'", loc)
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text[1:-1])


def duration(number: str, unit: str, text: str, loc: Loc) -> timedelta:
    """`number` `unit`s (as in "14d"), refused beyond MAX_DURATION (before timedelta overflows)."""
    if int(number) > MAX_DURATION // DURATION_UNITS[unit]:
        raise RuleError(f"duration '{text}' is too long", loc)
    return int(number) * DURATION_UNITS[unit]


def _duration(token: Token) -> timedelta:
    number, unit = re.fullmatch(r"(\d+)(mo|[hdwy])", token.text).groups()  # type: ignore[union-attr]
    return duration(number, unit, token.text, token.loc)


def _date(token: Token) -> datetime:
    try:
        value = datetime.fromisoformat(token.text)
    except ValueError:
        raise RuleError(f"invalid date '{token.text}'", token.loc) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def is_word(self, *words: str) -> bool:
        return self.token.kind == "word" and self.token.text.lower() in words

    def take(self) -> Token:
        token = self.token
        self.pos += 1
        return token

    def expect(self, what: str, hint: str = "") -> RuleError:
        return RuleError(f"expected {what}, found {self.token.shown()}", self.token.loc, hint)

    def rule(self) -> Node:
        node = self.any()
        if self.token.kind != "end":
            if self.token.text == ")":
                raise RuleError("unmatched ')'", self.token.loc)
            raise self.expect("'and', 'or' or the end of the rule")
        return node

    def any(self) -> Node:
        items = [self.all()]
        while self.is_word("or"):
            self.take()
            items.append(self.all())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def all(self) -> Node:
        items = [self.unary()]
        while self.is_word("and"):
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleError("the rule is nested too deeply", self.token.loc)
        try:
            if self.is_word("not"):
                self.take()
                return Not(self.unary())
            if self.token.text == "(" and self.token.kind == "punct":
                opening = self.take()
                node = self.any()
                if self.token.text != ")":
                    raise self.expect("')'", f": the '(' at column {opening.column} is not closed")
                self.take()
                return node
            if self.is_word(*EVENT_VERBS):
                return self.event()
            return self.condition()
        finally:
            self.depth -= 1

    def event(self) -> RawEvent:
        verb = self.take()
        campaign = within = None
        if self.is_word("campaign"):
            self.take()
            if self.token.kind != "str":
                raise self.expect('a campaign name in quotes, like "spring launch"')
            campaign = self.value()
        if self.is_word("within"):
            self.take()
            within = self.duration()
        return RawEvent(verb.text.lower(), campaign, within, verb.loc)

    def condition(self) -> RawCondition:
        field = self.token
        if field.kind != "word" or field.text.lower() in KEYWORDS:
            raise self.expect("a field name (like country, tags, custom.plan)")
        self.take()
        op = self.token
        negated = False
        if self.is_word("not"):
            negated = True
            self.take()
            if not self.is_word("in", "contains", "exists"):
                raise self.expect("'in', 'contains' or 'exists' after 'not'")
        name = self.token.text.lower()
        value: Value | tuple[Value, ...] | None = None
        if self.token.kind == "op" and name in COMPARISONS and not negated:
            self.take()
            name = "=" if name == "==" else name
            value = self.value()
        elif self.token.kind == "op" and name in ("~", "!~"):
            self.take()
            value = self.value()
        elif self.is_word("in"):
            self.take()
            value = self.list()
        elif self.is_word("contains"):
            self.take()
            if self.is_word("any", "all"):
                name = f"contains {self.take().text.lower()}"
            value = self.list() if self.token.text == "[" else self.value()
        elif self.is_word("exists"):
            self.take()
        elif self.is_word("within") and not negated:
            self.take()
            value = self.duration()
        else:
            raise self.expect(
                f"an operator after '{field.text}'",
                ": use =, !=, <, <=, >, >=, in, contains, ~, exists or within",
            )
        op_name = f"not {name}" if negated else name
        return RawCondition(field.text.lower(), field.loc, op_name, op.loc, value)

    def duration(self) -> Value:
        if self.token.kind != "dur":
            raise self.expect("a duration like 14d", " (units h, d, w, mo, y)")
        token = self.take()
        return Value("duration", _duration(token), token.loc)

    def list(self) -> tuple[Value, ...]:
        if self.token.text != "[":
            raise self.expect('a list like ["a", "b"]')
        opening = self.take()
        values = [self.value()]
        while self.token.text == ",":
            self.take()
            values.append(self.value())
            if len(values) > MAX_LIST:
                raise RuleError(f"a list may hold at most {MAX_LIST} values", opening.loc)
        if self.token.text != "]":
            raise self.expect("',' or ']'", f": the '[' at column {opening.column} is not closed")
        self.take()
        return tuple(values)

    def value(self) -> Value:
        token = self.token
        if token.kind == "str":
            self.take()
            return Value("text", _unquote(token.text), token.loc)
        if token.kind == "num":
            self.take()
            number = float(token.text) if "." in token.text else int(token.text)
            return Value("number", number, token.loc)
        if self.is_word("true", "false"):
            self.take()
            return Value("bool", token.text.lower() == "true", token.loc)
        if token.kind == "date":
            self.take()
            return Value("date", _date(token), token.loc)
        if token.kind == "dur":
            self.take()
            if not self.is_word("ago"):
                raise self.expect("'ago'", f": write '{token.text} ago' for a relative date")
            self.take()
            return Value("ago", _duration(token), token.loc)
        hint = ""
        if token.kind == "word" and token.text.lower() not in KEYWORDS:
            hint = f': put text in quotes, like "{token.text}"'
        raise self.expect("a value", hint)


def parse(text: str) -> Node:
    if len(text) > MAX_LENGTH:
        raise RuleError(f"the rule is longer than {MAX_LENGTH} characters", Loc(column=1))
    if not text.strip():
        raise RuleError("the rule is empty", Loc(column=1))
    return _Parser(tokenize(text)).rule()
