"""What enrichers propose, how a run is configured, and what it reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Proposal:
    field: str
    value: Any
    confidence: float
    reason: str
    # The canonical form of the value already there ("Germany" -> "DE"), so it may replace a
    # value a user set; everything else only fills gaps.
    normalizes: bool = False


@dataclass(frozen=True)
class Enricher:
    """A deterministic enricher: a pure function from a contact to proposals."""

    name: str
    version: int  # bump when the logic changes, so finished contacts are looked at again
    fields: tuple[str, ...]  # what it may set
    inputs: tuple[str, ...]  # what it reads (its fingerprint covers these)
    propose: Callable[[Mapping[str, Any]], list[Proposal]]


@dataclass
class RunOptions:
    segment: str | None = None
    only: frozenset[str] = frozenset()
    overwrite_enriched: bool = False
    ai: bool = False
    batch_size: int = 500


class RunReport(BaseModel):
    processed: int = 0
    changed: int = 0
    skipped: int = 0  # already enriched with the same inputs
    fields: dict[str, int] = {}
    companies_created: int = 0
    ai_calls: int = 0
    ai_failed: int = 0
