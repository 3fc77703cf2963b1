"""What campaigns plug into the floors below, which cannot import them: the campaign round as a
kind of scheduled job, and campaign names in segment rules. Whoever starts a worker, creates a
schedule or compiles segment rules (the CLI's local client, the API app) calls `register()`."""

from __future__ import annotations

from campaigns import jobs, service
from crm.segments import service as segments
from scheduling import kinds
from scheduling.models import Kind


def register() -> None:
    """Idempotent."""
    kinds.register(Kind.CAMPAIGN, check_target=jobs.check_target, run=jobs.run_round)
    segments.look_up_campaigns_with(service.keys_named)
