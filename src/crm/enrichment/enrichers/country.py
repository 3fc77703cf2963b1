"""Country names and alpha-3 codes -> ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.enrichment.models import Enricher, Proposal
from crm.reference.countries import country_code


def propose(contact: Mapping[str, Any]) -> list[Proposal]:
    country = contact.get("country")
    if not country:
        return []
    code = country_code(country)
    if code is None or code == country:
        return []
    return [Proposal("country", code, 0.99, f"'{country}' is {code}", normalizes=True)]


ENRICHER = Enricher("country", 1, ("country",), ("country",), propose)
