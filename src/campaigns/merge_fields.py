"""Merge fields in an email's subject, preheader and bodies, filled in per contact at send time.

`{{first_name}}`, `{{last_name}}`, `{{company}}` and `{{custom.KEY}}` (a custom field), each
with an optional fallback for a contact without the value: `{{first_name|there}}`. Approval
refuses a field not in this list, and one that a member lacks when it has no fallback.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any

from crm.contacts.models import Contact

NAMED = ("first_name", "last_name", "company")
CUSTOM = "custom."
DOCUMENTED = ("{{first_name}}", "{{last_name}}", "{{company}}", "{{custom.KEY}}")
# The email parts that may hold merge fields; the HTML body's values are escaped.
PARTS = ("subject", "preheader", "body", "body_html")
FIELD = re.compile(r"\{\{\s*([^{}|]*?)\s*(?:\|([^{}]*))?\}\}")


def known(name: str) -> bool:
    return name in NAMED or (name.startswith(CUSTOM) and len(name) > len(CUSTOM))


def value(contact: Contact, name: str) -> str | None:
    """The contact's value for a known field, None when it has none."""
    if name == "company":
        found: Any = contact.company_name
    elif name.startswith(CUSTOM):
        found = contact.custom.get(name.removeprefix(CUSTOM))
    else:
        found = getattr(contact, name)
    text = "" if found is None else str(found).strip()
    return text or None


def fields(content: dict[str, Any]) -> Iterable[tuple[str, str | None]]:
    """(name, fallback) of every merge field in the content's parts."""
    for part in PARTS:
        for match in FIELD.finditer(str(content.get(part) or "")):
            yield match[1], match[2]


def unknown(content: dict[str, Any]) -> set[str]:
    return {name for name, _ in fields(content) if not known(name)}


def lacking(content: dict[str, Any], contact: Contact) -> set[str]:
    """The fields without a fallback that the contact has no value for."""
    return {
        name
        for name, fallback in fields(content)
        if fallback is None and known(name) and value(contact, name) is None
    }


def fill(text: str, contact: Contact, escape: Callable[[str], str] = str) -> str:
    """`text` with every merge field replaced by the contact's value (through `escape`) or its
    fallback (as written: it is already in the text's format)."""

    def one(match: re.Match[str]) -> str:
        name, fallback = match[1], match[2]
        found = value(contact, name) if known(name) else None
        return escape(found) if found is not None else (fallback or "").strip()

    return FIELD.sub(one, text)


def fill_parts(content: dict[str, Any], contact: Contact) -> dict[str, Any]:
    """The content with its merge fields filled in for the contact (HTML-escaped in HTML)."""
    filled = dict(content)
    for part in PARTS:
        text = content.get(part)
        if isinstance(text, str) and "{{" in text:  # most parts of most emails have none
            filled[part] = fill(text, contact, html.escape if part == "body_html" else str)
    return filled
