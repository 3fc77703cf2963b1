"""Job title -> seniority and department (crm.reference.titles)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from crm.enrichment.models import Enricher, Proposal
from crm.reference.titles import classify


def propose(contact: Mapping[str, Any]) -> list[Proposal]:
    title = contact.get("title")
    return list(_proposals(title)) if title else []


# Titles repeat a lot across contacts ("CEO", "Head of Sales"): each is classified once.
@lru_cache(maxsize=16_384)
def _proposals(title: str) -> tuple[Proposal, ...]:
    seniority, department = classify(title)
    found = []
    if seniority:
        found.append(Proposal("seniority", seniority[0], 0.85, f"title says '{seniority[1]}'"))
    if department:
        found.append(Proposal("department", department[0], 0.8, f"title says '{department[1]}'"))
    return tuple(found)


ENRICHER = Enricher("title", 1, ("seniority", "department"), ("title",), propose)
