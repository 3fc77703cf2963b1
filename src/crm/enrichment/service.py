"""Enrichment runs: batches in key order, deterministic enrichers, optionally the AI enricher.

A run can be interrupted at any point: each batch commits whole, and every contact records a
fingerprint per enricher, so the next run skips what is already done.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crm.companies.models import name_key
from crm.contacts import provenance
from crm.db import Database
from crm.enrichment import ai, repository
from crm.enrichment.apply import Outcome, Planner
from crm.enrichment.enrichers import company
from crm.enrichment.enrichers.email import business_domain
from crm.enrichment.models import RunOptions, RunReport
from crm.enrichment.registry import DETERMINISTIC
from crm.segments import service as segments
from kernel.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from llm_tools.gateway import Gateway

Progress = Callable[[int], None]

DETERMINISTIC_FIELDS = tuple(dict.fromkeys(f for e in DETERMINISTIC for f in e.fields))
ALL_FIELDS = tuple(dict.fromkeys(DETERMINISTIC_FIELDS + ai.FIELDS))
INPUTS = frozenset(i for e in DETERMINISTIC for i in e.inputs)
# Batches are written while the next ones are read and planned. The engine runs one query on
# one thread, so a second save in flight (on other contacts: no conflict) keeps both cores
# busy; a third adds nothing.
SAVES_IN_FLIGHT = 2


def check_only(only: frozenset[str], *, use_ai: bool) -> frozenset[str]:
    for field in sorted(only):
        if field not in ALL_FIELDS:
            raise ValidationFailed(
                f"cannot enrich {field!r}; enrichable fields: {', '.join(ALL_FIELDS)}"
            )
        if field not in DETERMINISTIC_FIELDS and not use_ai:
            raise ValidationFailed(f"only the AI enricher fills {field!r}: add --ai")
    return only


async def count(db: Database, options: RunOptions) -> int:
    """How many contacts a run with these options looks at."""
    rule = await segments.rule_for(db, options.segment) if options.segment else None
    return await repository.count(db, rule)


async def run(
    db: Database,
    options: RunOptions,
    *,
    progress: Progress | None = None,
    gateway: Gateway | None = None,
) -> RunReport:
    """Enrich the contacts of `options.segment` (all when None); `progress` gets batch sizes."""
    only = check_only(options.only, use_ai=options.ai)
    rule = await segments.rule_for(db, options.segment) if options.segment else None
    at, run_id = datetime.now(UTC), secrets.token_hex(4)
    run_key = provenance.run_key(at, run_id)
    planner = Planner(DETERMINISTIC, only=only, overwrite_enriched=options.overwrite_enriched)
    enricher = _ai(db, gateway, options, run_id) if options.ai else None
    report = RunReport()
    fields = _read_fields(options)
    saving: deque[asyncio.Task[None]] = deque()
    try:
        async for rows in repository.batches(db, rule, fields, options.batch_size):
            companies = await _companies(db, planner, rows, report)
            outcomes = [planner.plan(row, companies) for row in rows]
            if enricher is not None:
                await enricher.enrich(db, outcomes, report)
            while len(saving) == SAVES_IN_FLIGHT:
                await saving.popleft()
            # Contacts with nothing to do cost no write (a re-run writes nothing at all).
            if done := [o for o in outcomes if o.runs]:
                saving.append(asyncio.create_task(repository.save(db, done, at, run_key)))
            _tally(report, outcomes)
            if progress:
                progress(len(rows))
        while saving:
            await saving.popleft()
    finally:
        # After a failure the saves under way still end (each one whole or not at all).
        await asyncio.gather(*saving, return_exceptions=True)
    return report


def _tally(report: RunReport, outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        report.processed += 1
        report.changed += bool(outcome.changes)
        report.skipped += not outcome.runs
        for field in outcome.changes:
            report.fields[field] = report.fields.get(field, 0) + 1


def _read_fields(options: RunOptions) -> tuple[str, ...]:
    """What planning reads. Provenance only matters to replace earlier enriched values, and to
    the AI enricher (which asks only for what may be set)."""
    names = {"enrichment_runs", *DETERMINISTIC_FIELDS, *INPUTS}
    if options.ai:
        names |= {*ai.FIELDS, *ai.PROFILE, "custom"}
    if options.overwrite_enriched or options.ai:
        names.add("enrichment")
    return tuple(sorted(names))


def _ai(db: Database, gateway: Gateway | None, options: RunOptions, run: str) -> ai.AiEnricher:
    if gateway is None:
        from crm.llm_calls.service import gateway as make_gateway

        gateway = make_gateway(db)
    return ai.AiEnricher(gateway, only=options.only, overwrite_enriched=options.overwrite_enriched,
                         run=f"enrich-{run}")  # fmt: skip


async def _companies(
    db: Database, planner: Planner, rows: list[dict[str, Any]], report: RunReport
) -> dict[str, str]:
    """Business domain -> company id for the contacts the company enricher will link,
    creating the companies no one has that domain for yet."""
    domains = sorted({
        domain for row in rows
        if not row.get("company") and planner.due(company.ENRICHER, row)
        and (domain := business_domain(row.get("email") or ""))
    })  # fmt: skip
    found = await repository.companies_by_domain(db, domains)
    for _ in range(2):  # a second pass only when another writer created one of them meanwhile
        missing = [d for d in domains if d not in found]
        new = [{"name": (n := company.company_name(d)), "name_key": name_key(n), "domain": d}
               for d in missing]  # fmt: skip
        try:
            created = await repository.create_companies(db, new)
        except Conflict:
            found |= await repository.companies_by_domain(db, missing)
            continue
        report.companies_created += len(created)
        return found | created
    raise Conflict("companies for these email domains keep appearing; run enrich again")
