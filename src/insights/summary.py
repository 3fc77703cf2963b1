"""An LLM summary of how one contact engaged, from its profile and timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crm.companies import service as companies
from crm.contacts.profile import llm_profile
from crm.db import Database
from crm.llm_calls import service as llm_calls
from insights import activity
from llm_tools.engagement_summary import EngagementIn, EngagementSummaryOut, summarize_engagement
from llm_tools.engagement_summary import TimelineEvent as ToolEvent
from llm_tools.inputs import CompanyProfile

if TYPE_CHECKING:
    from llm_tools.gateway import Gateway

RETRIES = 20  # more calls than one summary makes, re-asks and retries included
_DETAIL_KEYS = ("campaign", "page", "url", "fields", "from", "to", "source", "channel")


def _detail(data: dict[str, Any]) -> str | None:
    parts = [f"{k}={data[k]}" for k in _DETAIL_KEYS if data.get(k) not in (None, "", [], {})]
    return ", ".join(parts)[:200] or None


def _run(contact_id: str) -> str:
    return f"contact:{contact_id}"


async def summarize(db: Database, ref: str, gateway: Gateway) -> tuple[str, EngagementSummaryOut]:
    contact, events = await activity.history(db, ref)
    company = await companies.get(db, contact.company) if contact.company else None
    inp = EngagementIn(
        contact=llm_profile(contact, company=contact.company_name),
        company=CompanyProfile(**company.model_dump(include=set(CompanyProfile.model_fields)))
        if company
        else None,
        timeline=[ToolEvent(at=e.at, kind=e.kind, detail=_detail(e.data)) for e in events],
    )
    out = await summarize_engagement(inp, gateway=gateway, run=_run(contact.id))
    return contact.id, out


async def summarize_with_cost(
    db: Database, ref: str, gateway: Gateway
) -> tuple[str, EngagementSummaryOut, float]:
    """`summarize`, and what the LLM calls it made cost (re-asks and retries included; 0 when
    answered from the cache)."""
    started = datetime.now(UTC)
    contact_id, out = await summarize(db, ref, gateway)
    calls = await llm_calls.recent_calls(db, limit=RETRIES, run=_run(contact_id))
    return contact_id, out, sum(c.cost or 0.0 for c in calls if c.created_at >= started)
