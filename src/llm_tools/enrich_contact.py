"""Propose values for a contact's missing fields, each with a confidence and a reason.

Proposals are suggestions: `crm.enrichment` decides what to apply (e.g. above a confidence
threshold) and validates values like any other input.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from llm_tools.gateway import Gateway, default_gateway
from llm_tools.inputs import CompanyProfile, ContactProfile
from llm_tools.text import placeholders

TOOL = "enrich_contact"
EnrichableField = Literal["first_name", "last_name", "title", "company", "country", "city"]
ENRICHABLE: tuple[str, ...] = get_args(EnrichableField)
# Values that mean "I don't know"; the model must leave such fields out instead.
_NON_VALUES = {"unknown", "n/a", "na", "none", "null", "not available", "not specified", "-"}


class EnrichIn(BaseModel):
    contact: ContactProfile
    company: CompanyProfile | None = None
    fields: list[EnrichableField] | None = Field(
        default=None, description="Fields to propose; default: every enrichable empty field."
    )

    def wanted(self) -> list[str]:
        if self.fields is not None:
            return list(dict.fromkeys(self.fields))
        return [name for name in ENRICHABLE if not getattr(self.contact, name)]


class Proposal(BaseModel):
    field: EnrichableField = Field(description="Which contact field this value is for.")
    value: str = Field(min_length=1, max_length=120, description="The proposed value.")
    confidence: float = Field(
        ge=0.0,
        le=1.0,
        description="How likely the value is right, from 0 (a guess) to 1 (certain).",
    )
    reason: str = Field(
        min_length=3, max_length=200, description="The evidence, e.g. 'email domain acme.com'."
    )


class EnrichOut(BaseModel):
    proposals: list[Proposal] = Field(
        default_factory=list,
        max_length=len(ENRICHABLE),
        description="One proposal per field you have evidence for; leave out fields you "
        "cannot infer.",
    )

    @model_validator(mode="after")
    def _proposals(self, info: ValidationInfo) -> EnrichOut:
        context: dict[str, Any] = info.context or {}
        wanted = context.get("fields")
        seen: set[str] = set()
        for number, proposal in enumerate(self.proposals, start=1):
            where = f"proposals.{number}"
            if wanted is not None and proposal.field not in wanted:
                raise ValueError(f"{where}: {proposal.field} was not asked for; only {wanted}")
            if proposal.field in seen:
                raise ValueError(f"{where}: {proposal.field} proposed twice; keep the best one")
            seen.add(proposal.field)
            if proposal.value.strip().lower() in _NON_VALUES or placeholders(proposal.value):
                raise ValueError(f"{where}: leave {proposal.field} out instead of guessing")
        return self


async def enrich_contact(
    inp: EnrichIn, *, gateway: Gateway | None = None, run: str | None = None
) -> EnrichOut:
    from prompts import render

    wanted = inp.wanted()
    if not wanted:
        return EnrichOut()
    gateway = gateway or default_gateway()
    return await gateway.generate(
        EnrichOut,
        tool=TOOL,
        prompt=render("enrich_contact", contact=inp.contact, company=inp.company, fields=wanted),
        context={"fields": wanted},
        run=run,
        max_tokens=500,
    )
