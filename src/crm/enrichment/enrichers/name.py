"""A full name (custom field `full_name` or `name`) or a first.last mailbox -> first, last name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crm.enrichment.enrichers.email import split
from crm.enrichment.enrichers.email_lists import ROLE_MAILBOXES
from crm.enrichment.models import Enricher, Proposal

_PREFIXES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "herr", "frau", "mag", "ing"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "msc", "bsc", "esq"}
# Particles that belong to the family name ("Ludwig van Beethoven" -> "van Beethoven").
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "della",
              "dos", "das", "ten", "ter", "zu", "bin", "al"}  # fmt: skip
_MAILBOX = re.compile(r"^([a-z]{2,})[._-]([a-z]{2,})$")


def split_name(full: str) -> tuple[str, str] | None:
    """`"Dr. Ada King-Lovelace PhD"` -> ("Ada", "King-Lovelace"); `"Lovelace, Ada"` too."""
    text = " ".join(full.split())
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first.strip()} {last.strip()}"
    words = [w for w in text.split(" ") if w.strip(".").lower() not in _PREFIXES | _SUFFIXES]
    if len(words) < 2:
        return None
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def _capitalize(word: str) -> str:
    return "-".join(part.capitalize() for part in word.split("-"))


def _from_mailbox(contact: Mapping[str, Any]) -> tuple[str, str] | None:
    parts = split(contact.get("email") or "")
    if parts is None or parts[0] in ROLE_MAILBOXES:
        return None
    match = _MAILBOX.match(parts[0])
    return (_capitalize(match[1]), _capitalize(match[2])) if match else None


def propose(contact: Mapping[str, Any]) -> list[Proposal]:
    first, last = contact.get("first_name"), contact.get("last_name")
    if first and last:
        return []
    custom = contact.get("custom") or {}
    for key in ("full_name", "name"):
        full = custom.get(key)
        if isinstance(full, str) and (names := split_name(full)):
            reason = f"custom field {key} '{full}'"
            return [
                Proposal("first_name", names[0], 0.9, reason),
                Proposal("last_name", names[1], 0.9, reason),
            ]
    names = _from_mailbox(contact)
    if names is None:
        return []
    if first and first.lower() != names[0].lower():
        return []  # the mailbox is not this person's first.last
    reason = f"mailbox {names[0].lower()}.{names[1].lower()}"
    return [
        Proposal("first_name", names[0], 0.6, reason),
        Proposal("last_name", names[1], 0.6, reason),
    ]


ENRICHER = Enricher(
    "name", 1, ("first_name", "last_name"), ("first_name", "last_name", "email", "custom"), propose
)
