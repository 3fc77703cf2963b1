"""Summarise how a contact has engaged, from their profile and timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from llm_tools.gateway import Gateway, default_gateway
from llm_tools.inputs import CompanyProfile, ContactProfile
from llm_tools.text import reject_placeholders
from llm_tools.trim import render_newest

TOOL = "engagement_summary"
MAX_TOKENS = 400
Clean = Annotated[str, AfterValidator(reject_placeholders)]


class TimelineEvent(BaseModel):
    at: datetime
    kind: str = Field(description="What happened, e.g. 'email_opened', 'form_submitted'.")
    detail: str | None = Field(default=None, description="A short human-readable detail.")


class EngagementIn(BaseModel):
    contact: ContactProfile
    company: CompanyProfile | None = None
    timeline: list[TimelineEvent] = Field(default_factory=list)


class EngagementSummary(BaseModel):
    summary: Clean = Field(
        min_length=10,
        max_length=400,
        description="Two or three sentences: who the contact is and how they engaged lately.",
    )
    engagement_level: Literal["cold", "warm", "hot"] = Field(
        description="cold: little or no recent activity; warm: some interest; hot: strong "
        "recent intent such as replies, demo requests or pricing visits."
    )
    interests: list[Annotated[str, Field(min_length=2, max_length=60)]] = Field(
        default_factory=list,
        max_length=5,
        description="Topics or products the contact showed interest in, a few words each.",
    )
    next_step: Clean = Field(
        min_length=5,
        max_length=200,
        description="The single most useful next action for the sales or marketing team.",
    )


class EngagementSummaryOut(EngagementSummary):
    events_used: int = Field(description="Timeline events the summary is based on (newest).")
    events_dropped: int = Field(
        description="Oldest timeline events left out to fit the model's context."
    )


async def summarize_engagement(
    inp: EngagementIn, *, gateway: Gateway | None = None, run: str | None = None
) -> EngagementSummaryOut:
    from prompts import render

    gateway = gateway or default_gateway()
    timeline = sorted(inp.timeline, key=lambda event: event.at)

    def prompt(events: Sequence[TimelineEvent]) -> str:
        return render(
            "engagement_summary",
            contact=inp.contact,
            company=inp.company,
            timeline=events,
            dropped=len(timeline) - len(events),
        )

    text, dropped = await render_newest(
        gateway, EngagementSummary, timeline, prompt, max_tokens=MAX_TOKENS, tool=TOOL
    )
    result = await gateway.generate(
        EngagementSummary, tool=TOOL, prompt=text, run=run, max_tokens=MAX_TOKENS
    )
    return EngagementSummaryOut(
        **result.model_dump(), events_used=len(timeline) - dropped, events_dropped=dropped
    )
