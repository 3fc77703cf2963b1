"""The AI enricher: asks the `enrich_contact` tool for missing fields, keeps confident answers.

Answers are cached by the gateway and each contact is marked with a fingerprint of what it was
asked, so a re-run neither asks again nor pays twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crm.companies import service as companies
from crm.companies.models import name_key
from crm.contacts.profile import llm_profile
from crm.db import Database
from crm.enrichment.apply import Outcome, fingerprint, may_set
from crm.enrichment.models import Proposal, RunReport
from crm.reference.countries import country_code
from kernel.errors import LLMError

if TYPE_CHECKING:
    from llm_tools.enrich_contact import EnrichOut
    from llm_tools.gateway import Gateway

NAME = "ai"
VERSION = 1
MIN_CONFIDENCE = 0.5
# What the model sees about a contact; a change to any of these is worth asking again.
PROFILE = ("first_name", "last_name", "email", "title", "company", "country", "city", "tags")
FIELDS = ("first_name", "last_name", "title", "company", "country", "city")


class AiEnricher:
    def __init__(self, gateway: Gateway, *, only: frozenset[str], overwrite_enriched: bool,
                 run: str) -> None:  # fmt: skip
        self.gateway = gateway
        self.fields = [f for f in FIELDS if not only or f in only]
        self.overwrite_enriched = overwrite_enriched
        self.run = run

    def wanted(self, work: Mapping[str, Any]) -> list[str]:
        provenance = work.get("enrichment") or {}
        return [
            f for f in self.fields
            if may_set(work.get(f), provenance.get(f), Proposal(f, object(), 0, ""),
                       overwrite_enriched=self.overwrite_enriched)
        ]  # fmt: skip

    def mark(self, work: Mapping[str, Any], company_name: str | None) -> str:
        inputs = [work.get(f) for f in PROFILE] + [company_name]
        return fingerprint(NAME, VERSION, inputs, self.wanted(work), self.overwrite_enriched)

    async def enrich(self, db: Database, outcomes: list[Outcome], report: RunReport) -> None:
        from llm_tools.errors import BudgetExceeded

        names = await _company_names(db, outcomes)
        jobs = []
        for outcome in outcomes:
            company_name = names.get(outcome.work.get("company") or "")
            wanted = self.wanted(outcome.work)
            done = (outcome.work.get("enrichment_runs") or {}).get(NAME)
            if wanted and done != self.mark(outcome.work, company_name):
                jobs.append((outcome, wanted, company_name))
        answers = await asyncio.gather(
            *(self.ask(o.work, wanted, name) for o, wanted, name in jobs), return_exceptions=True
        )
        for (outcome, _, company_name), answer in zip(jobs, answers, strict=True):
            if isinstance(answer, LLMError) and not isinstance(answer, BudgetExceeded):
                report.ai_failed += 1  # not marked, so the next run asks again
                continue
            if isinstance(answer, BaseException):
                raise answer
            report.ai_calls += 1
            await self.apply(db, outcome, answer)
            final_name = names.get(outcome.work.get("company") or "", company_name)
            outcome.runs[NAME] = self.mark(outcome.work, final_name)

    async def ask(self, work: Mapping[str, Any], wanted: list[str],
                  company_name: str | None) -> EnrichOut:  # fmt: skip
        from llm_tools.enrich_contact import EnrichIn, enrich_contact

        profile = llm_profile(work, company=company_name, email=True)
        inp = EnrichIn(contact=profile, fields=wanted)  # type: ignore[arg-type]
        return await enrich_contact(inp, gateway=self.gateway, run=self.run)

    async def apply(self, db: Database, outcome: Outcome, answer: EnrichOut) -> None:
        for proposal in answer.proposals:
            if proposal.confidence < MIN_CONFIDENCE:
                continue
            value: str | None = " ".join(proposal.value.split())
            if proposal.field == "country":
                value = country_code(proposal.value)
            elif proposal.field == "company":
                value = (await companies.resolve_names(db, [proposal.value]))[
                    name_key(proposal.value)
                ]
            if value:
                outcome.offer(
                    NAME,
                    Proposal(proposal.field, value, proposal.confidence, proposal.reason),
                    overwrite_enriched=self.overwrite_enriched,
                )


async def _company_names(db: Database, outcomes: list[Outcome]) -> dict[str, str]:
    names = {}
    for key in {o.work["company"] for o in outcomes if o.work.get("company")}:
        company = await companies.get(db, key)
        if company:
            names[key] = company.name
    return names
