"""What a generation writes: one job per asset (per channel, and with `personalize` one email
per segment member), which of them exist, and how many LLM calls the missing ones take."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from campaigns import repository, service
from campaigns.models import CONTACT_VARIANT_PREFIX, EMAIL, SEGMENT_VARIANT, Campaign
from crm.contacts import service as contacts
from crm.contacts.models import Contact
from crm.contacts.repository import ContactFilter
from crm.db import Database

PAGE = 500


@dataclass(frozen=True)
class Job:
    channel: str
    variant: str
    contact: Contact | None = None


def needs_writing(latest: dict[str, Any] | None, *, regenerate: bool) -> bool:
    """Whether a generation writes an asset whose latest version is `latest`: a missing one,
    and with `regenerate` one not edited by hand."""
    return latest is None or (regenerate and not latest["edited"])


async def segment_members(db: Database, segment: str) -> AsyncIterator[list[Contact]]:
    """The segment's current members, a page at a time (id order)."""
    from crm.segments.service import rule_for

    flt = ContactFilter(rule=await rule_for(db, segment))
    cursor: str | None = None
    while True:
        page = await contacts.list_page(db, flt, cursor=cursor, limit=PAGE)
        if page.items:
            yield page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _segment_jobs(campaign: Campaign) -> list[Job]:
    return [Job(channel, SEGMENT_VARIANT) for channel in campaign.channels]


async def batches(db: Database, campaign: Campaign) -> AsyncIterator[list[Job]]:
    yield _segment_jobs(campaign)
    if campaign.personalize and EMAIL in campaign.channels:
        async for members in segment_members(db, campaign.segment):
            yield [Job(EMAIL, CONTACT_VARIANT_PREFIX + c.id, c) for c in members]


async def latest(
    db: Database, campaign: Campaign, jobs: list[Job]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest version of each job's asset that exists, by (channel, variant)."""
    variants: dict[str, list[str]] = {}
    for job in jobs:
        variants.setdefault(job.channel, []).append(job.variant)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for channel, names in variants.items():
        rows = await repository.latest_assets(db, campaign.id, channel, names)
        found.update({(channel, v): a for v, a in rows.items()})
    return found


async def complete(db: Database, campaign: Campaign) -> bool:
    """Whether every asset a generation should write exists."""
    async for jobs in batches(db, campaign):
        found = await latest(db, campaign, jobs)
        if any((job.channel, job.variant) not in found for job in jobs):
            return False
    return True


async def count_jobs(db: Database, campaign: Campaign, *, personalize: bool) -> int:
    """How many assets a generation considers (for a progress bar's total)."""
    total = len(_segment_jobs(campaign))
    if personalize and EMAIL in campaign.channels:
        from crm.segments.service import count

        total += await count(db, campaign.segment)
    return total


async def planned_calls(
    db: Database, key: str, *, personalize: bool | None, regenerate: bool
) -> int:
    """How many assets `generate` with these options would write with the LLM: one call
    each (a re-asked or retried answer costs more)."""
    campaign = await service.require(db, key)
    if personalize is not None:
        campaign = campaign.model_copy(update={"personalize": personalize})
    calls = 0
    async for jobs in batches(db, campaign):
        found = await latest(db, campaign, jobs)
        calls += sum(
            needs_writing(found.get((j.channel, j.variant)), regenerate=regenerate) for j in jobs
        )
    return calls
