"""Campaign use cases: create, find, move through the state machine, report status."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from campaigns import delivery_repository, repository
from campaigns.models import (
    Campaign,
    CampaignCreate,
    Counts,
    DeliveryState,
    ReviewItem,
    State,
    Status,
    check_transition,
)
from crm.db import Database
from kernel.errors import Conflict, NotFound, ValidationFailed
from kernel.logs import get_logger
from scheduling import service as schedules

log = get_logger(__name__)

_REVIEW_REASON = re.compile(r"^\d+ deliveries need review ")


async def create(db: Database, data: CampaignCreate) -> Campaign:
    row = data.model_dump(exclude_none=True)
    campaign = Campaign.model_validate(await repository.create_campaign(db, row))
    log.info("campaigns.created", campaign=campaign.id, channels=campaign.channels)
    return campaign


async def get(db: Database, key: str) -> Campaign | None:
    row = await repository.get_campaign(db, key.strip())
    return Campaign.model_validate(row) if row else None


async def require(db: Database, key: str) -> Campaign:
    campaign = await get(db, key)
    if campaign is None:
        raise NotFound(f"no campaign {key!r}")
    return campaign


async def list_all(db: Database, *, limit: int = 100) -> list[Campaign]:
    return [Campaign.model_validate(r) for r in await repository.list_campaigns(db, limit=limit)]


async def move(
    db: Database,
    campaign: Campaign,
    target: State,
    *,
    reason: str | None = None,
    new_round: bool = False,
    **changes: Any,
) -> Campaign:
    """Enter `target` if the state machine allows it from the campaign's current state
    (`new_round`: the transitions only campaigns.rounds takes).

    The write is a compare-and-set on the state read, so two processes cannot both start
    (or both approve) one campaign.
    """
    check_transition(campaign.state, target, new_round=new_round)
    row = await repository.transition(
        db, campaign.id, [campaign.state], target, {**changes, "state_reason": reason}
    )
    if row is None:
        raise Conflict(
            f"campaign {campaign.id} changed state meanwhile; look at it again",
            details={"expected": campaign.state},
        )
    log.info("campaigns.state", campaign=campaign.id, state=target, reason=reason)
    return Campaign.model_validate(row)


async def pause(db: Database, key: str, *, reason: str = "paused by user") -> Campaign:
    """Stops a running executor at its next message (it re-reads the state between batches)."""
    return await move(db, await require(db, key), State.PAUSED, reason=reason)


async def cancel(db: Database, key: str) -> Campaign:
    return await move(db, await require(db, key), State.CANCELLED, reason="cancelled by user")


async def status(db: Database, key: str) -> Status:
    campaign = await require(db, key)
    per_channel: dict[str, Counts] = {c: Counts() for c in campaign.channels}
    for row in await delivery_repository.counts(db, campaign.id):
        counts = per_channel.setdefault(row["channel"], Counts())
        setattr(counts, row["state"], getattr(counts, row["state"]) + row["n"])
    total = Counts(
        **{s.value: sum(getattr(c, s.value) for c in per_channel.values()) for s in DeliveryState}
    )
    engagement = await delivery_repository.engagement(db, campaign.id)
    return Status(
        id=campaign.id,
        name=campaign.name,
        state=campaign.state,
        state_reason=campaign.state_reason,
        **total.model_dump(),
        total=total.total,
        skip_reasons=await delivery_repository.skip_reasons(db, campaign.id),
        per_channel=per_channel,
        cost=await llm_cost(db, campaign.id),
        opened=engagement.get("opened", 0),
        clicked=engagement.get("clicked", 0),
        runs=await schedules.runs(db, kind="campaign", target=campaign.id),
    )


def llm_run(campaign_key: str) -> str:
    """The `run` tag of every LLM call made for the campaign (budget and cost are per run)."""
    return f"campaign:{campaign_key}"


async def llm_cost(db: Database, key: str) -> float:
    """What generating the campaign's assets cost, failed attempts included."""
    from crm.llm_calls.repository import run_cost

    return await run_cost(db, llm_run(key))


def review_reason(count: int) -> str:
    """Why a run paused while deliveries wait for review (kept current as they are resolved)."""
    return f"{count} deliveries need review (send outcome unknown)"


async def resolve_review(db: Database, key: str, delivery_keys: list[str], *, sent: bool) -> int:
    """A person checked deliveries whose outcome was unknown: `sent=True` records that they
    went out, `sent=False` queues them for the next `resume`. Returns how many changed."""
    campaign = await require(db, key)
    if not delivery_keys:
        raise ValidationFailed("name at least one delivery to resolve")
    target = DeliveryState.SENT if sent else DeliveryState.QUEUED
    changed = await delivery_repository.resolve_review(db, campaign.id, delivery_keys, target)
    log.info("campaigns.review_resolved", campaign=campaign.id, sent=sent, count=changed)
    if (
        changed
        and campaign.state == State.PAUSED
        and _REVIEW_REASON.match(campaign.state_reason or "")
    ):
        left = (await delivery_counts(db, campaign.id)).review
        reason = review_reason(left) if left else "review resolved; resume finishes the run"
        await repository.transition(
            db, campaign.id, [State.PAUSED], State.PAUSED, {"state_reason": reason}
        )
    return changed


async def needing_review(db: Database, key: str, *, limit: int = 1000) -> list[ReviewItem]:
    """Deliveries whose send outcome is unknown (interrupted mid-send on a non-idempotent
    channel): a person checks the mail server's log and calls `resolve_review`."""
    campaign = await require(db, key)
    rows = await delivery_repository.in_review(db, campaign.id, limit=limit)
    return [ReviewItem.model_validate(r) for r in rows]


async def sent_to(db: Database, contact_key: str, limit: int) -> list[dict[str, Any]]:
    """The messages sent to the contact, newest first: channel, sent_at, campaign (its key)."""
    return await delivery_repository.sent_to_contact(db, contact_key, limit=limit)


async def sent_per_day(db: Database, since: datetime, until: datetime) -> dict[date, int]:
    """How many messages went out each UTC day in [since, until), all
    campaigns and channels; days without any are left out."""
    return await delivery_repository.sent_per_day(db, since, until)


async def bounced(db: Database, key: str) -> int:
    """How many of the campaign's deliveries bounced."""
    return await delivery_repository.bounced_count(db, key)


async def delivery_counts(db: Database, key: str) -> Counts:
    """The campaign's deliveries by state, all channels together: what a run starts from,
    without the rest of the status report."""
    campaign = await require(db, key)
    total = Counts()
    for row in await delivery_repository.counts(db, campaign.id):
        setattr(total, row["state"], getattr(total, row["state"]) + row["n"])
    return total


async def with_cost(db: Database, report: dict[str, Any]) -> dict[str, Any]:
    """A run's report (`RunReport.as_dict()`) as `crm campaigns run` and the API's job show
    it: with what the campaign's LLM calls cost so far."""
    return report | {"cost": await llm_cost(db, report["id"])}


async def keys_named(db: Database, refs: list[str]) -> dict[str, tuple[str, ...]]:
    """The campaigns segment rules name (`opened campaign "x"`), by id or name."""
    return await repository.keys_named(db, refs)
