"""Which proposals become values: fill gaps only, never overwrite what a user or an import set.

A field may be written when it is empty; when the proposal is the canonical form of the value
already there (`normalizes`); or, with `overwrite_enriched`, when the value there is still the
one an earlier enrichment wrote (its provenance records that value, so a later edit by a user
makes the field theirs again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crm.enrichment.models import Enricher, Proposal


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def may_set(current: Any, provenance: Mapping[str, Any] | None, proposal: Proposal,
            *, overwrite_enriched: bool) -> bool:  # fmt: skip
    if is_empty(current):
        return True
    if current == proposal.value:
        return False
    if proposal.normalizes:
        return True
    enriched = provenance is not None and provenance.get("value") == current
    return overwrite_enriched and enriched


def fingerprint(name: str, version: int, inputs: Iterable[Any], fields: Iterable[str],
                overwrite_enriched: bool) -> str:  # fmt: skip
    """What an enricher's work depends on: its logic, its inputs and what it was asked to set."""
    # repr of these plain values (text, numbers, lists, dicts in insertion order) is stable
    # across runs and much cheaper than JSON.
    data = repr((name, version, list(inputs), sorted(fields), overwrite_enriched))
    return hashlib.blake2b(data.encode(), digest_size=8).hexdigest()


@dataclass
class Outcome:
    """One contact's enrichment: the working copy, the changes to store and their provenance
    (field -> enricher, confidence, reason, value and the non-empty value it replaced)."""

    key: str
    work: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)

    def offer(self, enricher: str, proposal: Proposal, *, overwrite_enriched: bool) -> bool:
        current = self.work.get(proposal.field)
        earlier = (self.work.get("enrichment") or {}).get(proposal.field)
        if not may_set(current, earlier, proposal, overwrite_enriched=overwrite_enriched):
            return False
        self.work[proposal.field] = self.changes[proposal.field] = proposal.value
        self.provenance[proposal.field] = {
            "enricher": enricher,
            "confidence": proposal.confidence,
            "reason": proposal.reason,
            "value": proposal.value,
        } | ({} if is_empty(current) else {"previous": current})
        return True


class Planner:
    """Runs the deterministic enrichers over one contact (pure: no I/O)."""

    def __init__(self, enrichers: Iterable[Enricher], *, only: frozenset[str],
                 overwrite_enriched: bool) -> None:  # fmt: skip
        self.enrichers = list(enrichers)
        self.only = only
        self.fields = {e.name: self.fields_of(e.fields) for e in self.enrichers}
        self.overwrite_enriched = overwrite_enriched

    def fields_of(self, fields: Iterable[str]) -> list[str]:
        return [f for f in fields if not self.only or f in self.only]

    def due(self, enricher: Enricher, work: Mapping[str, Any]) -> str | None:
        """The fingerprint to record when `enricher` has work to do on `work`, else None."""
        if not self.fields[enricher.name]:
            return None
        mark = self.mark(enricher, work)
        return None if (work.get("enrichment_runs") or {}).get(enricher.name) == mark else mark

    def plan(self, contact: Mapping[str, Any], companies: Mapping[str, str]) -> Outcome:
        """`companies` maps business domains to company ids (resolved beforehand)."""
        outcome = Outcome(key=str(contact["id"]), work=dict(contact))
        ran = []
        for enricher in self.enrichers:
            mark = self.due(enricher, outcome.work)
            if mark is None:
                continue
            fields = self.fields[enricher.name]
            for proposal in enricher.propose(outcome.work):
                if proposal.field not in fields:
                    continue
                if proposal.field == "company":
                    if proposal.value not in companies:
                        continue
                    proposal = Proposal("company", companies[proposal.value], proposal.confidence,
                                        proposal.reason)  # fmt: skip
                outcome.offer(enricher.name, proposal, overwrite_enriched=self.overwrite_enriched)
            ran.append((enricher, mark))
        # Marked against the final values (later enrichers may change earlier ones' inputs, as
        # the phone fills the country), so a re-run over the same contact finds nothing to do.
        for enricher, mark in ran:
            if any(i in outcome.changes for i in enricher.inputs):
                mark = self.mark(enricher, outcome.work)
            outcome.runs[enricher.name] = mark
        return outcome

    def mark(self, enricher: Enricher, work: Mapping[str, Any]) -> str:
        return fingerprint(enricher.name, enricher.version, (work.get(i) for i in enricher.inputs),
                           self.fields[enricher.name], self.overwrite_enriched)  # fmt: skip
