"""Business email domain -> the company to link (created when none has that domain yet).

This enricher only names the domain; the service resolves it to a company record in one
lookup per batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.enrichment.enrichers.email import business_domain
from crm.enrichment.models import Enricher, Proposal


def company_name(domain: str) -> str:
    """`acme-robotics.co.uk` -> `Acme Robotics`: a name for a company known only by its domain."""
    return domain.split(".", 1)[0].replace("-", " ").replace("_", " ").title()


def propose(contact: Mapping[str, Any]) -> list[Proposal]:
    if contact.get("company"):
        return []
    domain = business_domain(contact.get("email") or "")
    if domain is None:
        return []
    return [Proposal("company", domain, 0.8, f"email domain {domain}")]


ENRICHER = Enricher("company", 1, ("company",), ("email", "company"), propose)
