"""What campaigns plug into the floors below, which cannot import them: the campaign round as a
kind of scheduled job, and campaign names in segment rules. Whoever starts a worker, creates a
schedule or compiles segment rules (the CLI's local client, the API app) calls `register()`.
What they plug in is imported when first used: every `crm` command registers, few run them."""

from __future__ import annotations

from crm.segments.campaign_lookup import look_up_campaigns_with
from kernel.lazy import deferred
from scheduling import kinds
from scheduling.models import Kind


def register() -> None:
    """Idempotent."""
    kinds.register(
        Kind.CAMPAIGN,
        check_target=deferred("campaigns.jobs:check_target"),
        run=deferred("campaigns.jobs:run_round"),
    )
    look_up_campaigns_with(deferred("campaigns.service:keys_named"))
