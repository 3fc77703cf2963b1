"""Email address -> domain, free-mail / role-address / disposable flags."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
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
    return None if parts is None else _business(parts[1])


# Many contacts share a domain: what it says is worked out once per domain.
@lru_cache(maxsize=65_536)
def _business(domain: str) -> str | None:
    return None if is_free(domain) or is_disposable(domain) else registrable(domain)


@lru_cache(maxsize=65_536)
def _domain_proposals(domain: str) -> tuple[Proposal, ...]:
    free, disposable = is_free(domain), is_disposable(domain)
    return (
        Proposal("email_domain", domain, 1.0, "domain of the email address"),
        Proposal("free_mail", free, 0.95, f"{domain} is{_not(free)} a free-mail provider"),
        Proposal("disposable", disposable, 0.95, f"{domain} is{_not(disposable)} disposable"),
    )


def propose(contact: Mapping[str, Any]) -> list[Proposal]:
    parts = split(contact.get("email") or "")
    if parts is None:
        return []
    local, domain = parts
    role = local in ROLE_MAILBOXES
    return [
        *_domain_proposals(domain),
        Proposal("role_address", role, 0.9, f"'{local}' is{_not(role)} a role mailbox"),
    ]


def _not(flag: bool) -> str:
    return "" if flag else " not"


ENRICHER = Enricher(
    "email", 1, ("email_domain", "free_mail", "disposable", "role_address"), ("email",), propose
)
