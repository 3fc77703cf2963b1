"""Test data builders with keyword-only arguments and defaults."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from campaigns import service as campaigns
from campaigns.models import Brief, Campaign, CampaignCreate
from crm.companies import service as companies
from crm.companies.models import Company, CompanyCreate
from crm.contacts import service as contacts
from crm.contacts.models import ConsentRecord, Contact, ContactCreate
from crm.db import Database, connect
from llm_fakes import TEST_MODEL
from llm_tools.calls import CallRecord
from scheduling import service as schedules
from scheduling.clock import Clock, FakeClock
from scheduling.models import Schedule, ScheduleCreate


async def make_contact(db: Database, *, email: str = "ada@example.com", **fields: Any) -> Contact:
    return await contacts.add(db, ContactCreate(email=email, **fields))


def consent_record(page: str = "demo") -> ConsentRecord:
    """Explicit consent as a ticked box on a landing page records it."""
    return ConsentRecord(
        text="Yes, email me about this.",
        version="v1",
        at=datetime.now(UTC),
        page=page,
        ip="203.0.113.7",
    )


async def make_contacts(
    db: Database, *, count: int = 5, domain: str = "example.com", **fields: Any
) -> list[Contact]:
    """`count` contacts `person0@domain`, `person1@domain`, … sharing `fields`."""
    return [await make_contact(db, email=f"person{n}@{domain}", **fields) for n in range(count)]


async def make_company(db: Database, *, name: str = "Acme", **fields: Any) -> Company:
    return await companies.add(db, CompanyCreate(name=name, **fields))


def csv_text(rows: Sequence[Sequence[Any]], *, delimiter: str = ",") -> str:
    """The text `csv.writer` makes of `rows` (first row = header), as a spreadsheet saves it."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()


def write_csv(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Write `rows` (header first) to `path` with csv.writer; returns `path`."""
    path.write_bytes(csv_text(rows, delimiter=delimiter).encode(encoding))
    return path


async def make_schedule(
    db: Database,
    *,
    clock: Clock | None = None,
    target: str | None = None,
    cron: str | None = "0 9 * * *",
    tz: str = "UTC",
    **fields: Any,
) -> Schedule:
    """A schedule for `target` (default: a new draft campaign), daily 09:00 UTC unless told
    otherwise; pass `at=` for a one-time schedule."""
    if "at" in fields:
        cron = None
    if target is None:
        target = (await make_campaign(db)).id
    data = ScheduleCreate(target=target, cron=cron, tz=tz, **fields)
    return await schedules.create(db, data, clock=clock or FakeClock())


async def make_campaign(
    db: Database, *, name: str = "Spring launch", segment: str = "all", **fields: Any
) -> Campaign:
    """A draft email campaign; its segment need not exist."""
    fields.setdefault("brief", Brief(goal="Announce the spring release"))
    fields.setdefault("channels", ["email"])
    return await campaigns.create(db, CampaignCreate(name=name, segment=segment, **fields))


def page_spec(**overrides: Any) -> Any:
    """A valid landing page spec (llm_tools.landing_page.LandingPageSpec)."""
    from llm_tools.landing_page import LandingPageSpec

    data: dict[str, Any] = {
        "headline": "Ship campaigns in an afternoon",
        "subheadline": "Segments, AI-written emails and landing pages in one toolkit.",
        "sections": [
            {
                "heading": "Why teams switch",
                "body": "Write the brief once; every asset follows it.\n\nNothing is sent twice.",
                "bullets": ["Exactly-once delivery", "Runs on one machine"],
            }
        ],
        "call_to_action": {"label": "Book a demo"},
        "form_fields": [
            {"name": "email", "label": "Work email", "type": "email", "required": True},
            {"name": "first_name", "label": "First name", "type": "text", "required": False},
            {"name": "company", "label": "Company", "type": "text", "required": False},
        ],
        "seo_title": "Campaign toolkit demo",
        "seo_description": "Book a demo of the open-source AI campaign and enrichment toolkit.",
    }
    data.update(overrides)
    return LandingPageSpec.model_validate(data)


async def make_page(
    db: Database,
    *,
    slug: str = "demo",
    publish: bool = True,
    campaign: str | None = None,
    **spec_overrides: Any,
) -> Any:
    from landing_pages import service
    from landing_pages.models import LandingPageCreate

    return await service.create(
        db,
        LandingPageCreate(
            spec=page_spec(**spec_overrides), slug=slug, publish=publish, campaign=campaign
        ),
    )


EMAIL_ASSET = {
    "subject": "Spring is here",
    "preheader": "Our spring release",
    "body": "Hi there,\n\nSee what is new: https://example.com/spring?x=1&y=2\n\nBest regards",
    "body_html": '<p>Hi there,</p>\n<p>See what is new: <a href="https://example.com/spring?x=1'
    '&amp;y=2">https://example.com/spring?x=1&amp;y=2</a></p>\n<p>Best regards</p>',
}
SOCIAL_ASSET = {
    "text": "Spring is here",
    "hashtags": ["spring"],
    "link": "https://example.com/spring",
    "full_text": "Spring is here\n\n#spring\n\nhttps://example.com/spring",
}


async def make_segment(db: Database, *, name: str = "all", rule: str = "email exists") -> Any:
    from crm.segments import service as segments
    from crm.segments.models import SegmentCreate

    return await segments.create(db, SegmentCreate(name=name, rule=rule))


async def make_ready_campaign(
    db: Database,
    *,
    settings: Any,
    contacts_count: int = 5,
    channels: Sequence[str] = ("email",),
    approve: bool = True,
    **fields: Any,
) -> Campaign:
    """Contacts, a segment `all` of them, a campaign with hand-written assets for each channel
    (no LLM involved), approved unless told otherwise."""
    if contacts_count:
        await make_contacts(db, count=contacts_count, first_name="Pat")
    await make_segment(db)
    return await make_another_campaign(
        db, settings=settings, channels=channels, approve=approve, **fields
    )


async def make_another_campaign(
    db: Database,
    *,
    settings: Any,
    channels: Sequence[str] = ("email",),
    approve: bool = True,
    **fields: Any,
) -> Campaign:
    """A campaign like make_ready_campaign's over the contacts and segment already there."""
    from campaigns import approval
    from campaigns import repository as campaign_rows
    from campaigns.models import State, is_social

    campaign = await make_campaign(db, channels=list(channels), **fields)
    campaign = await campaigns.move(db, campaign, State.GENERATING)
    for channel in channels:
        content = SOCIAL_ASSET if is_social(channel) else EMAIL_ASSET
        await campaign_rows.insert_asset(
            db,
            {
                "campaign": campaign.id,
                "channel": channel,
                "variant": "segment",
                "version": 1,
                "content": content,
            },
        )
    campaign = await campaigns.move(db, campaign, State.REVIEW)
    if approve:
        campaign = await approval.approve(db, campaign.id, settings)
    return campaign


async def make_bare_contacts(db: Database, *, count: int) -> None:
    """`count` contacts `person0@example.com`, … with only what every schema version takes
    (email, its key, a first name): for a database on an earlier schema (`migrated_before`),
    where today's contacts would hold fields its tables do not define."""
    rows = [
        {"email": f"person{n}@example.com", "email_key": f"person{n}@example.com",
         "first_name": "Pat"}
        for n in range(count)
    ]  # fmt: skip
    await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})


async def migrated_before(version: int, monkeypatch: Any) -> AsyncIterator[Database]:
    """A `mem://` database with every migration before `version`, to test an upgrade."""
    from crm import schema
    from kernel.settings import Settings

    available = schema.available
    async with connect(Settings(db_url="mem://")) as db:
        with monkeypatch.context() as before:
            before.setattr(
                schema, "available", lambda: [m for m in available() if m.version < version]
            )
            await schema.migrate(db)
        yield db


def llm_call(
    cost: float | None, *, run: str | None = None, at: datetime | None = None
) -> CallRecord:
    """One recorded LLM call (100 tokens in, 20 out) as the gateway stores it."""
    return CallRecord(
        tool="email",
        model=TEST_MODEL,
        tokens_in=100,
        tokens_out=20,
        cost=cost,
        latency_ms=812.5,
        cache_hit=False,
        outcome="ok",
        run=run,
        created_at=at or datetime.now(UTC),
    )
