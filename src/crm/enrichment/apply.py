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


class Fingerprint:
    """What an enricher's work depends on: its logic, its inputs and what it was asked to set.

    A hash of the repr of `(name, version, inputs, sorted(fields), overwrite_enriched)`: repr
    of these plain values (text, numbers, lists, dicts in insertion order) is stable across
    runs and much cheaper than JSON. All but the inputs are the same for every contact of a
    run, so their part of the text is rendered once."""

    def __init__(self, name: str, version: int, fields: Iterable[str],
                 overwrite_enriched: bool) -> None:  # fmt: skip
        self._head = f"({name!r}, {version!r}, "
        self._tail = f", {sorted(fields)!r}, {overwrite_enriched!r})"

    def of(self, inputs: list[Any]) -> str:
        data = self._head + repr(inputs) + self._tail
        return hashlib.blake2b(data.encode(), digest_size=8).hexdigest()


def fingerprint(name: str, version: int, inputs: Iterable[Any], fields: Iterable[str],
                overwrite_enriched: bool) -> str:  # fmt: skip
    return Fingerprint(name, version, fields, overwrite_enriched).of(list(inputs))


@dataclass
class Outcome:
    """One contact's enrichment: the working copy, the changes to store and their provenance
    (field -> [enricher, confidence, reason, value] and the non-empty value it replaced: the
    form crm.contacts.provenance stores)."""

    key: str
    work: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, list[Any]] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)

    def offer(self, enricher: str, proposal: Proposal, *, overwrite_enriched: bool) -> bool:
        name = proposal.field
        current = self.work.get(name)
        earlier = (self.work.get("enrichment") or {}).get(name)
        if not may_set(current, earlier, proposal, overwrite_enriched=overwrite_enriched):
            return False
        self.work[name] = self.changes[name] = proposal.value
        entry = [enricher, proposal.confidence, proposal.reason, proposal.value]
        self.provenance[name] = entry if is_empty(current) else [*entry, current]
        return True


class Planner:
    """Runs the deterministic enrichers over one contact (pure: no I/O)."""

    def __init__(self, enrichers: Iterable[Enricher], *, only: frozenset[str],
                 overwrite_enriched: bool) -> None:  # fmt: skip
        self.enrichers = list(enrichers)
        self.only = only
        self.fields = {e.name: self.fields_of(e.fields) for e in self.enrichers}
        self.overwrite_enriched = overwrite_enriched
        self.fingerprints = {
            e.name: Fingerprint(e.name, e.version, self.fields[e.name], overwrite_enriched)
            for e in self.enrichers
        }

    def fields_of(self, fields: Iterable[str]) -> list[str]:
        return [f for f in fields if not self.only or f in self.only]

    def due(self, enricher: Enricher, work: Mapping[str, Any]) -> bool:
        """Whether `enricher` may set a field of `work` and has not seen these inputs yet."""
        if not self.fields[enricher.name]:
            return False
        return (work.get("enrichment_runs") or {}).get(enricher.name) != self.mark(enricher, work)

    def plan(self, contact: Mapping[str, Any], companies: Mapping[str, str]) -> Outcome:
        """`companies` maps business domains to company ids (resolved beforehand)."""
        outcome = Outcome(key=str(contact["id"]), work=dict(contact))
        ran = []
        for enricher in self.enrichers:
            if not self.due(enricher, outcome.work):
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
            ran.append(enricher)
        # Marked against the final values (later enrichers may change earlier ones' inputs, as
        # the phone fills the country), so a re-run over the same contact finds nothing to do.
        for enricher in ran:
            outcome.runs[enricher.name] = self.mark(enricher, outcome.work)
        return outcome

    def mark(self, enricher: Enricher, work: Mapping[str, Any]) -> str:
        return self.fingerprints[enricher.name].of([work.get(i) for i in enricher.inputs])
