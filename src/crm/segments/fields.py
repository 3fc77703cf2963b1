"""The allow-list of fields a rule may use, what type each is, and how its values are normalized.

A rule names fields; only the names listed here (and `custom.<key>` / `company.custom.<key>`
with a valid custom-field key) ever reach SurrealQL, as the fixed idioms below. Values never do.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from crm.companies.models import name_key
from crm.contacts.models import Status
from crm.normalize import CUSTOM_KEY
from crm.reference.countries import country_code
from crm.reference.titles import DEPARTMENTS, SENIORITIES


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "true/false"
    DATE = "date"
    TAGS = "tags"
    ANY = "custom"  # custom fields hold text, numbers or true/false


@dataclass(frozen=True)
class Field:
    name: str
    path: str  # the SurrealQL idiom; `$key` stands for the bound custom-field key
    kind: Kind
    # Where `=`, `!=` and `in` compare, when that is a normalized copy (email_key, name_key).
    key_path: str | None = None
    normalize: Callable[[str], str] | None = None
    choices: tuple[str, ...] = ()
    required: bool = False  # always set on a contact, so comparisons need no missing-value guard
    # What a missing value reads as: counts and lists a contact has none of yet are not stored
    # (migration 0019); such fields are `required`. None: no such value.
    empty: bool | float | tuple[str, ...] | None = None
    # The field a missing value reads as: a contact stores no update time until it is updated
    # (crm.contacts.service.new_row).
    stand_in: str | None = None
    custom_key: str | None = None

    def __str__(self) -> str:
        return self.name


def _country(value: str) -> str:
    return country_code(value) or value.strip().upper()


def _lower(value: str) -> str:
    return value.strip().lower()


_FIELDS = [
    Field("email", "email", Kind.TEXT, key_path="email_key", normalize=_lower, required=True),
    Field("first_name", "first_name", Kind.TEXT),
    Field("last_name", "last_name", Kind.TEXT),
    Field("title", "title", Kind.TEXT),
    Field("phone", "phone", Kind.TEXT),
    Field("country", "country", Kind.TEXT, normalize=_country),
    Field("city", "city", Kind.TEXT),
    Field("source", "source", Kind.TEXT, normalize=_lower, required=True),
    Field("source_detail", "source_detail", Kind.TEXT),
    Field("status", "status", Kind.TEXT, choices=tuple(Status), required=True),
    Field("tags", "tags", Kind.TAGS, normalize=_lower, required=True),
    Field("consent_explicit", "consent_explicit", Kind.BOOL, required=True, empty=False),
    Field("created", "created_at", Kind.DATE, required=True),
    Field("updated", "updated_at", Kind.DATE, required=True, stand_in="created"),
    Field("email_domain", "email_domain", Kind.TEXT, normalize=_lower),
    Field("free_mail", "free_mail", Kind.BOOL),
    Field("role_address", "role_address", Kind.BOOL),
    Field("disposable", "disposable", Kind.BOOL),
    Field("seniority", "seniority", Kind.TEXT, choices=SENIORITIES),
    Field("department", "department", Kind.TEXT, choices=DEPARTMENTS),
    # Kept up to date from the timeline by crm.events (not stored before the first event).
    Field("engagement_score", "engagement_score", Kind.NUMBER, required=True, empty=0.0),
    Field("opens", "opens", Kind.NUMBER, required=True, empty=0),
    Field("clicks", "clicks", Kind.NUMBER, required=True, empty=0),
    Field("submissions", "submissions", Kind.NUMBER, required=True, empty=0),
    Field("last_engaged", "last_engaged_at", Kind.DATE),
    Field("last_opened", "last_opened_at", Kind.DATE),
    Field("last_clicked", "last_clicked_at", Kind.DATE),
    Field("last_submitted", "last_submitted_at", Kind.DATE),
    Field("company", "company.name", Kind.TEXT, key_path="company.name_key", normalize=name_key),
    Field(
        "company.name", "company.name", Kind.TEXT, key_path="company.name_key", normalize=name_key
    ),
    Field("company.domain", "company.domain", Kind.TEXT, normalize=_lower),
    Field("company.industry", "company.industry", Kind.TEXT),
    Field("company.size", "company.size", Kind.NUMBER),
    Field("company.country", "company.country", Kind.TEXT, normalize=_country),
    Field("company.city", "company.city", Kind.TEXT),
]
FIELDS = {f.name: f for f in _FIELDS}
ALIASES = {
    "created_at": "created",
    "updated_at": "updated",
    **{f"last_{verb}_at": f"last_{verb}" for verb in ("engaged", "opened", "clicked", "submitted")},
}
# What `opened within 14d` and its kind read: when the contact last did that.
EVENT_FIELDS = {"opened": "last_opened", "clicked": "last_clicked", "submitted": "last_submitted"}
# What `opened campaign "x"` reads: the keys of the campaigns the contact did that for. Not in
# FIELDS: rules name campaigns by id or name, never these keys directly.
CAMPAIGN_FIELDS = {
    verb: Field(f"{verb} campaign", f"{verb}_campaigns", Kind.TAGS, required=True, empty=())
    for verb in EVENT_FIELDS
}
CUSTOM_PREFIXES = {"custom.": "custom[$key]", "company.custom.": "company.custom[$key]"}


class UnknownField(LookupError):
    """`problem` and `hint` are kept apart so the caller can put the position between them."""

    def __init__(self, problem: str, hint: str = "") -> None:
        super().__init__(problem + hint)
        self.problem = problem
        self.hint = hint


def lookup(name: str) -> Field:
    """The field a rule names; UnknownField says why not, with a suggestion when one is close."""
    name = ALIASES.get(name, name)
    if name in FIELDS:
        return FIELDS[name]
    for prefix, path in CUSTOM_PREFIXES.items():
        if name.startswith(prefix):
            key = name[len(prefix) :]
            if not CUSTOM_KEY.match(key):
                raise UnknownField(
                    f"bad custom field name '{key}'",
                    ": custom field names use lower-case letters, digits and _",
                )
            return Field(name, path, Kind.ANY, custom_key=key)
    close = difflib.get_close_matches(name, [*FIELDS, *ALIASES, "custom.<name>"], n=1)
    hint = f", did you mean '{close[0]}'?" if close else ""
    raise UnknownField(f"unknown field '{name}'", hint)


def suggest(value: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    return f", did you mean '{close[0]}'?" if close else f" (one of: {', '.join(choices)})"


def describe(value: Any) -> str:
    """A literal as it would be typed in a rule, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
