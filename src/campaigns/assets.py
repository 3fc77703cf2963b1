"""Asset generation through the LLM tools, and hand edits.

Per channel one segment-level asset (email and webhook: an email written for the whole
segment; each social platform: a post with alternatives), and with `personalize` one email
per segment member. Every generation or edit is a new version; the highest version is used.
Generation is resumable: what exists is kept, so running it again continues where an
interrupted run stopped; `regenerate` writes new versions, except over hand-edited content;
`only` writes a new version of one asset (a person asked for it: even over a hand edit).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from campaigns import asset_jobs, asset_parts, repository, service
from campaigns.asset_jobs import Job
from campaigns.models import (
    CONTACT_VARIANT_PREFIX,
    EMAIL,
    SEGMENT_VARIANT,
    WEBHOOK,
    Asset,
    Campaign,
    State,
    is_social,
)
from crm.contacts import service as contacts
from crm.contacts.models import Contact
from crm.contacts.profile import llm_profile
from crm.db import Database
from kernel.errors import Conflict, LLMError, NotFound, ValidationFailed
from kernel.logs import get_logger
from kernel.settings import Settings
from llm_tools.calls import CachedCompletion, CallRecord, CallStore, Usage
from llm_tools.gateway import Gateway
from llm_tools.inputs import Brand, ContactProfile
from llm_tools.inputs import Campaign as CampaignInput

log = get_logger(__name__)

Progress = Callable[[int], None]
EDITABLE_STATES = (State.DRAFT, State.GENERATING, State.REVIEW, State.FAILED)
SOCIAL_VARIANTS = 2


# The usage of the asset being generated in this task; each asset runs in its own task.
_usage: contextvars.ContextVar[Usage | None] = contextvars.ContextVar("usage", default=None)


class _Metered:
    """A CallStore that also adds each call's tokens and cost to the current asset's usage."""

    def __init__(self, inner: CallStore) -> None:
        self.inner = inner

    async def cache_get(self, key: str) -> CachedCompletion | None:
        return await self.inner.cache_get(key)

    async def cache_put(self, key: str, entry: CachedCompletion) -> None:
        await self.inner.cache_put(key, entry)

    async def record(self, call: CallRecord) -> None:
        usage = _usage.get()
        if usage is not None:
            usage.add(call)
        await self.inner.record(call)

    async def run_cost(self, run: str) -> float:
        return await self.inner.run_cost(run)


@dataclass
class GenerateReport:
    id: str
    state: State
    created: int = 0
    kept: int = 0
    kept_edited: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    tokens: int = 0
    cost: float | None = 0.0  # None: some call's price is unknown

    def as_dict(self) -> dict[str, Any]:
        cost = None if self.cost is None else round(self.cost, 6)
        return {**asdict(self), "state": self.state.value, "cost": cost}


def _brand(campaign: Campaign, settings: Settings) -> Brand:
    name = campaign.sender_name or settings.sender_name
    return (
        Brand(name=name, voice=campaign.brief.voice) if campaign.brief.voice else Brand(name=name)
    )


def _campaign_input(campaign: Campaign, settings: Settings) -> CampaignInput:
    return CampaignInput(
        name=campaign.name,
        brief=campaign.brief.as_text(),
        link=campaign.brief.link,
        sender_name=campaign.sender_name or settings.sender_name,
    )


def _profile(contact: Contact | None) -> ContactProfile:
    if contact is None:
        return ContactProfile()  # a segment-level email: greets with a merge field
    return llm_profile(contact, company=contact.company_name, custom=False)


class _Generator:
    def __init__(
        self,
        db: Database,
        campaign: Campaign,
        settings: Settings,
        gateway: Gateway,
        report: GenerateReport,
        progress: Progress | None,
    ) -> None:
        self.db, self.campaign, self.settings = db, campaign, settings
        self.gateway, self.report, self.progress = gateway, report, progress
        self.brand = _brand(campaign, settings)
        self.input = _campaign_input(campaign, settings)
        self.run = service.llm_run(campaign.id)

    async def content(self, job: Job) -> dict[str, Any]:
        if is_social(job.channel):
            from llm_tools.social_post import SocialPostIn, write_social_posts

            posts = await write_social_posts(
                SocialPostIn(
                    campaign=self.input,
                    brand=self.brand,
                    platforms=[job.channel],  # type: ignore[list-item]
                    variants=SOCIAL_VARIANTS,
                ),
                gateway=self.gateway,
                run=self.run,
            )
            first, *others = [p.model_dump() for p in posts.posts]
            return {**first, "alternatives": others}
        from llm_tools.email import EmailIn, write_email

        email = await write_email(
            EmailIn(contact=_profile(job.contact), campaign=self.input, brand=self.brand),
            gateway=self.gateway,
            run=self.run,
        )
        return asset_parts.complete(job.channel, email.model_dump(), self.campaign.brief)

    async def one(self, job: Job, latest: dict[str, Any] | None) -> None:
        usage = Usage()
        _usage.set(usage)  # this task's own context: concurrent jobs do not mix usage
        try:
            content = await self.content(job)
        except LLMError as exc:
            self.report.failed += 1
            self._spent(usage)
            self.report.errors.append(f"{job.channel}/{job.variant}: {exc.message}"[:300])
            log.warning(
                "campaigns.asset_failed",
                campaign=self.campaign.id,
                channel=job.channel,
                error=exc.code,
            )
            return
        finally:
            if self.progress is not None:
                self.progress(1)
        row = {
            "campaign": self.campaign.id,
            "channel": job.channel,
            "variant": job.variant,
            "version": (latest["version"] if latest else 0) + 1,
            "content": content,
            "model": self.gateway.model,
            "tokens_in": usage.tokens_in,
            "tokens_out": usage.tokens_out,
            "cost": usage.cost,
        }
        try:
            await repository.insert_asset(self.db, row)
        except Conflict:
            return  # a concurrent generation wrote this version first; keep theirs
        self.report.created += 1
        self._spent(usage)

    def _spent(self, usage: Usage) -> None:
        self.report.tokens += usage.tokens_in + usage.tokens_out
        if self.report.cost is not None:
            self.report.cost = None if usage.cost is None else self.report.cost + usage.cost


async def generate(
    db: Database,
    key: str,
    settings: Settings,
    *,
    gateway: Gateway | None = None,
    personalize: bool | None = None,
    regenerate: bool = False,
    only: tuple[str, str] | None = None,
    progress: Progress | None = None,
) -> GenerateReport:
    """Write the campaign's missing assets (all of them, with `regenerate`; with `only`, the
    (channel, variant) asset that exists, again)."""
    campaign = await service.require(db, key)
    one = None if only is None else await _existing_job(db, campaign, *only)
    if personalize is not None and personalize != campaign.personalize:
        campaign = Campaign.model_validate(
            await repository.update_campaign(db, campaign.id, {"personalize": personalize})
        )
    campaign = await service.move(db, campaign, State.GENERATING)
    if gateway is None:
        from crm.llm_calls.service import gateway as make_gateway

        gateway = make_gateway(db, settings)
    # Wrapped here so every call made for an asset is counted on that asset.
    gateway.store = _Metered(gateway.store)
    report = GenerateReport(campaign.id, campaign.state)
    worker = _Generator(db, campaign, settings, gateway, report, progress)
    async for jobs in asset_jobs.batches(db, campaign) if one is None else _just([one]):
        latest = await asset_jobs.latest(db, campaign, jobs)
        todo = []
        for job in jobs:
            current = latest.get((job.channel, job.variant))
            keep = one is None and not asset_jobs.needs_writing(current, regenerate=regenerate)
            if keep and current is not None:
                report.kept += 1
                report.kept_edited += bool(current["edited"])
                if progress is not None:
                    progress(1)
                continue
            todo.append(worker.one(job, current))
        await asyncio.gather(*todo)
    if report.failed:
        # Only the failed assets are missing: generating again or writing them by hand
        # (edit_asset) brings the campaign back to review.
        failed = ", ".join(e.partition(":")[0] for e in report.errors[:3])
        reason = f"{report.failed} asset(s) failed ({failed}): generate again, or edit-asset"
        done = await service.move(db, campaign, State.FAILED, reason=reason)
    elif one is not None and not await asset_jobs.complete(db, campaign):
        reason = "assets are missing: generate again, or edit-asset"
        done = await service.move(db, campaign, State.FAILED, reason=reason)
    else:
        done = await service.move(db, campaign, State.REVIEW)
    report.state = done.state
    log.info(
        "campaigns.generated",
        campaign=campaign.id,
        created=report.created,
        kept=report.kept,
        failed=report.failed,
        cost=report.cost,
    )
    return report


async def _existing_job(db: Database, campaign: Campaign, channel: str, variant: str) -> Job:
    """The job that writes the (channel, variant) asset again; it must exist."""
    found = await repository.latest_assets(db, campaign.id, channel, [variant])
    if variant not in found:
        raise NotFound(
            f"campaign {campaign.id} has no {channel} asset {variant!r} to write again",
            details={"channel": channel, "variant": variant},
        )
    contact = None
    if variant.startswith(CONTACT_VARIANT_PREFIX):
        contact = await contacts.require(db, variant.removeprefix(CONTACT_VARIANT_PREFIX))
    return Job(channel, variant, contact)


async def _just(jobs: list[Job]) -> AsyncIterator[list[Job]]:
    yield jobs


async def versions(db: Database, key: str, channel: str, variant: str) -> list[Asset]:
    """Every version of one asset, oldest first (who wrote each: `edited_by`, or the model)."""
    campaign, rows = await _versions(db, key, channel, variant)
    return [_shown(campaign, r) for r in rows]


async def require_asset(db: Database, key: str, channel: str, variant: str) -> Campaign:
    """The campaign, when it has that asset (to write it again); NotFound otherwise."""
    campaign, _ = await _versions(db, key, channel, variant)
    return campaign


async def _versions(
    db: Database, key: str, channel: str, variant: str
) -> tuple[Campaign, list[dict[str, Any]]]:
    campaign = await service.require(db, key)
    rows = await repository.asset_versions(db, campaign.id, channel, variant)
    if not rows:
        raise NotFound(
            f"campaign {campaign.id} has no {channel} asset {variant!r}",
            details={"channel": channel, "variant": variant},
        )
    return campaign, rows


async def list_assets(db: Database, key: str, *, history: bool = False) -> list[Asset]:
    """The current version of each asset (every version with `history`)."""
    campaign = await service.require(db, key)
    rows = await repository.assets(db, campaign.id)
    if not history:
        current: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            current[(row["channel"], row["variant"])] = row  # rows come oldest first
        rows = list(current.values())
    return [_shown(campaign, r) for r in rows]


def _shown(campaign: Campaign, row: dict[str, Any]) -> Asset:
    # Parts that became parts later (an email's call to action and links) are shown as such.
    content = asset_parts.complete(row["channel"], row["content"], campaign.brief)
    return Asset.model_validate({**row, "content": content})


_REQUIRED = {EMAIL: ("subject", "body"), WEBHOOK: ("subject", "body")}


async def edit_asset(
    db: Database,
    key: str,
    channel: str,
    changes: dict[str, Any],
    *,
    variant: str = SEGMENT_VARIANT,
    edited_by: str | None = None,
) -> Asset:
    """A hand edit (or a hand-written asset): a new version marked `edited` (and by whom),
    which later generations never replace; what depends on an edited part is derived again."""
    campaign = await service.require(db, key)
    if campaign.state not in EDITABLE_STATES:
        raise ValidationFailed(
            f"assets of a campaign in state {campaign.state} are frozen",
            details={"state": campaign.state},
        )
    found = await repository.latest_assets(db, campaign.id, channel, [variant])
    latest = found.get(variant)
    # With nothing generated yet (or generation failing), the edit is a hand-written asset.
    content = asset_parts.derive(
        channel, latest["content"] if latest else {}, changes, campaign.brief
    )
    missing = [f for f in _REQUIRED.get(channel, ("text",)) if not str(content.get(f, "")).strip()]
    if missing:
        raise ValidationFailed(f"{channel} asset needs {', '.join(missing)}")
    if channel not in campaign.channels:
        raise ValidationFailed(f"campaign {campaign.id} has no {channel} channel")
    row = {
        "campaign": campaign.id,
        "channel": channel,
        "variant": variant,
        "version": (latest["version"] if latest else 0) + 1,
        "content": content,
        "model": latest.get("model") if latest else None,
        "edited": True,
        "edited_by": edited_by,
    }
    asset = Asset.model_validate(await repository.insert_asset(db, row))
    log.info("campaigns.asset_edited", campaign=campaign.id, channel=channel, variant=variant)
    # A generation that failed (never approved) is done once its failed assets are written.
    failed_generation = campaign.state is State.FAILED and campaign.approved_at is None
    if failed_generation and await asset_jobs.complete(db, campaign):
        await service.move(db, campaign, State.REVIEW, reason="failed assets written by hand")
    return asset
