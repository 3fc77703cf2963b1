"""Email address -> domain, free-mail / role-address / disposable flags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.enrichment.enrichers.email_lists import (
    DISPOSABLE,
    FREE_MAIL,
    ROLE_MAILBOXES,
    TWO_LEVEL_SUFFIXES,
)
from crm.enrichment.models import Enricher, Proposal


def split(email: str) -> tuple[str, str] | None:
    """(mailbox without +tag, lower-case domain)."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return None
    return local.split("+", 1)[0].lower(), domain.lower().rstrip(".")


def registrable(domain: str) -> str:
    """`mail.eu.acme.co.uk` -> `acme.co.uk`: the domain a company registers."""
    labels = domain.split(".")
    size = 3 if ".".join(labels[-2:]) in TWO_LEVEL_SUFFIXES else 2
    return ".".join(labels[-size:])


def is_free(domain: str) -> bool:
    return domain in FREE_MAIL or registrable(domain) in FREE_MAIL


def is_disposable(domain: str) -> bool:
    return domain in DISPOSABLE or registrable(domain) in DISPOSABLE


def business_domain(email: str) -> str | None:
    """The company domain an address belongs to; None for free and disposable mail."""
    parts = split(email)
    if parts is None or is_free(parts[1]) or is_disposable(parts[1]):
        return None
    return registrable(parts[1])


def propose(contact: Mapping[str, Any]) -> list[Proposal]:
    parts = split(contact.get("email") or "")
    if parts is None:
        return []
    local, domain = parts
    free, disposable = is_free(domain), is_disposable(domain)
    role = local in ROLE_MAILBOXES
    return [
        Proposal("email_domain", domain, 1.0, "domain of the email address"),
        Proposal("free_mail", free, 0.95, f"{domain} is{_not(free)} a free-mail provider"),
        Proposal("disposable", disposable, 0.95, f"{domain} is{_not(disposable)} disposable"),
        Proposal("role_address", role, 0.9, f"'{local}' is{_not(role)} a role mailbox"),
    ]


def _not(flag: bool) -> str:
    return "" if flag else " not"


ENRICHER = Enricher(
    "email", 1, ("email_domain", "free_mail", "disposable", "role_address"), ("email",), propose
)
