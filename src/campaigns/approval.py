"""Approval: freeze the assets and snapshot the segment into one queued delivery record per
(contact, channel), or per social platform for campaign-level posts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from campaigns import assets, delivery_repository, merge_check, quality, repository, service
from campaigns.models import EMAIL, SEGMENT_VARIANT, Campaign, State, is_social
from crm.db import Database
from crm.segments.models import Snapshot
from kernel.errors import Conflict, ValidationFailed
from kernel.logs import get_logger
from kernel.settings import Settings

log = get_logger(__name__)

PAGE = 500


async def _check_assets(db: Database, campaign: Campaign) -> None:
    missing = []
    for channel in campaign.channels:
        found = await repository.latest_assets(db, campaign.id, channel, [SEGMENT_VARIANT])
        if SEGMENT_VARIANT not in found:
            missing.append(channel)
    if missing:
        raise ValidationFailed(
            f"no asset for {', '.join(missing)}: run `crm campaigns generate {campaign.id}`",
            details={"missing": missing},
        )


def _check_sender(campaign: Campaign, settings: Settings) -> None:
    # CAN-SPAM and most providers' terms require a postal address in commercial email.
    if EMAIL in campaign.channels and settings.smtp_url and not settings.postal_address:
        raise ValidationFailed(
            "set CRM_POSTAL_ADDRESS (the sender's postal address, shown in every email footer) "
            "before approving an email campaign"
        )


def sender_warning(campaign: Campaign, settings: Settings) -> str | None:
    """A warning when an email campaign would go out from the placeholder sender."""
    default = Settings.model_fields
    email = campaign.from_email or settings.from_email
    name = campaign.sender_name or settings.sender_name
    if EMAIL in campaign.channels and (
        email == default["from_email"].default or name == default["sender_name"].default
    ):
        return (
            f"the sender is still the default ({name} <{email}>): set CRM_FROM_EMAIL and "
            "CRM_SENDER_NAME, or the campaign's --from"
        )
    return None


async def _check_quality(db: Database, campaign: Campaign, override: str | None) -> None:
    findings = quality.check(campaign, await assets.list_assets(db, campaign.id))
    if findings and not (override and override.strip()):
        raise ValidationFailed(
            f"{len(findings)} quality finding(s) (see `crm campaigns show {campaign.id}`): fix "
            'the assets, or approve with --override "reason"',
            details={"findings": [f.model_dump() for f in findings]},
        )


async def _check_four_eyes(db: Database, campaign: Campaign, approver: str) -> None:
    edits = [a for a in await assets.list_assets(db, campaign.id) if a.edited]
    last = max(edits, key=lambda a: a.created_at, default=None)
    if last is not None and last.edited_by == approver:
        raise Conflict(
            f"four-eyes rule: {approver} edited the assets last ({last.channel} {last.variant}); "
            "someone else must approve",
            details={"edited_by": approver},
        )


async def approve(
    db: Database,
    key: str,
    settings: Settings,
    *,
    override: str | None = None,
    approver: str | None = None,
) -> Campaign:
    """review -> approved: assets can no longer be edited and the audience is fixed. A sender
    left at its default is allowed, with a warning as the state's reason.

    Quality findings block approval unless `override` gives the reason to send anyway, which is
    recorded with the campaign. With an `approver` (the four-eyes rule), the one who last
    edited the assets cannot approve.

    Deliveries are written before the state changes, so an interrupted approval leaves the
    campaign in review and approving again starts over cleanly.
    """
    campaign = await service.require(db, key)
    if campaign.state != State.REVIEW:
        raise ValidationFailed(
            f"only a campaign in review can be approved; {campaign.id} is {campaign.state}",
            details={"state": campaign.state},
        )
    await _check_assets(db, campaign)
    if approver is not None:
        await _check_four_eyes(db, campaign, approver)
    _check_sender(campaign, settings)
    await _check_quality(db, campaign, override)
    snapshot = await queue_members(db, campaign)
    try:
        await merge_check.check(db, campaign)
    except ValidationFailed:
        await delivery_repository.delete_unsent(db, campaign.id, "")
        raise
    warning = sender_warning(campaign, settings)
    if warning:
        log.warning("campaigns.default_sender", campaign=campaign.id, warning=warning)
    approved = await service.move(
        db,
        campaign,
        State.APPROVED,
        reason=warning,
        members=snapshot.count,
        snapshot=snapshot.id,
        approved_at=datetime.now(UTC),
        quality_override=override.strip() if override else None,
    )
    log.info("campaigns.approved", campaign=campaign.id, members=snapshot.count)
    return approved


async def queue_members(db: Database, campaign: Campaign, *, round_key: str = "") -> Snapshot:
    """Snapshot the segment now and queue one delivery per (member, channel) of the round, and
    one per social platform; deliveries that reached nobody (queued, or skipped in this round)
    are replaced, the others in the round are kept (the unique index decides)."""
    from crm.segments import service as segments

    await delivery_repository.delete_unsent(db, campaign.id, round_key)
    snapshot = await segments.snapshot(db, campaign.segment)
    per_contact = [c for c in campaign.channels if not is_social(c)]
    rows: list[dict[str, Any]] = [
        {"campaign": campaign.id, "contact": None, "channel": c, "round": round_key}
        for c in campaign.channels
        if is_social(c)
    ]
    after: str | None = None
    while True:
        members = await segments.snapshot_members(db, snapshot.id, after=after, limit=PAGE)
        rows += [
            {"campaign": campaign.id, "contact": contact, "channel": channel, "round": round_key}
            for contact in members
            for channel in per_contact
        ]
        if len(rows) >= PAGE or len(members) < PAGE:
            await delivery_repository.insert_deliveries(db, rows)
            rows = []
        if len(members) < PAGE:
            break
        after = members[-1]
    return snapshot
