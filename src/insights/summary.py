"""An LLM summary of how one contact engaged, from its profile and timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm.companies import service as companies
from crm.contacts.profile import llm_profile
from crm.db import Database
from insights import activity
from llm_tools.engagement_summary import EngagementIn, EngagementSummaryOut, summarize_engagement
from llm_tools.engagement_summary import TimelineEvent as ToolEvent
from llm_tools.inputs import CompanyProfile

if TYPE_CHECKING:
    from llm_tools.gateway import Gateway

_DETAIL_KEYS = ("campaign", "page", "url", "fields", "from", "to", "source", "channel")


def _detail(data: dict[str, Any]) -> str | None:
    parts = [f"{k}={data[k]}" for k in _DETAIL_KEYS if data.get(k) not in (None, "", [], {})]
    return ", ".join(parts)[:200] or None


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
    out = await summarize_engagement(inp, gateway=gateway, run=f"contact:{contact.id}")
    return contact.id, out
