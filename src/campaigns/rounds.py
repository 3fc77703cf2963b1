"""Rounds: each occurrence of a campaign schedule sends to the segment's members at that time.

A round re-snapshots the segment and queues deliveries, then moves the campaign to `running`
(from `approved`, or from `completed` for a later round); the executor sends what is queued.
A delivery is unique per (campaign, contact, channel, round), so:
- by default every occurrence shares the campaign's one round (`SHARED`): members reached by
  an earlier occurrence keep their delivery and only new members get one;
- a repeating schedule gives each occurrence its own round: every member, once per occurrence.
Queueing again (a retry after a crash) adds nothing, since the round's key stays the same.
"""

from __future__ import annotations

from campaigns import approval, service
from campaigns.models import ROUND_TRANSITIONS, Campaign, State
from crm.db import Database
from kernel.errors import ValidationFailed
from kernel.logs import get_logger

log = get_logger(__name__)

SHARED = ""  # the round of approval and of every occurrence that does not repeat


async def start(db: Database, key: str, *, round_key: str, scheduled_run: str) -> Campaign:
    """Queue the round and move the campaign to `running`, recording which schedule run
    started it (a later attempt of that run resumes it)."""
    campaign = await service.require(db, key)
    if campaign.state not in ROUND_TRANSITIONS:
        raise ValidationFailed(
            f"campaign {campaign.id} is {campaign.state}: a scheduled round starts an approved "
            "or completed campaign (approve it first, or wait for the current run to finish)",
            details={"campaign": campaign.id, "state": campaign.state},
        )
    # Deliveries first, state last: an interrupted start leaves the campaign where it was,
    # and starting again queues the same round.
    snapshot = await approval.queue_members(db, campaign, round_key=round_key)
    started = await service.move(
        db,
        campaign,
        State.RUNNING,
        new_round=True,
        reason=f"scheduled run {scheduled_run}",
        scheduled_run=scheduled_run,
        runner=None,
    )
    log.info(
        "campaigns.round_started",
        campaign=campaign.id,
        run=scheduled_run,
        repeat=round_key != SHARED,
        members=snapshot.count,
    )
    return started
