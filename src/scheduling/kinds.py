"""Job kinds: for each stored `Kind`, how a schedule's target is checked and what an
occurrence runs. The package that owns a kind registers it here (campaigns registers the
campaign round with `campaigns.wiring.register()`); the enrichment kind is built in, since it
only needs `crm`, the floor below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from crm.db import Database
from kernel.lazy import deferred
from kernel.settings import Settings
from scheduling.models import Kind, Run, RunOutcome

TargetCheck = Callable[[Database, str], Awaitable[None]]
Runner = Callable[[Database, Run, Settings], Awaitable[RunOutcome]]


@dataclass(frozen=True)
class JobKind:
    check_target: TargetCheck  # raises NotFound when the target does not exist
    run: Runner  # raises when the occurrence failed (the schedule's retry policy applies)


_kinds: dict[Kind, JobKind] = {
    # Imported when a job of the kind runs: enrichment loads much that schedules do not need.
    Kind.ENRICHMENT: JobKind(
        deferred("scheduling.enrichment:check_target"), deferred("scheduling.enrichment:run")
    ),
}


def register(kind: Kind, *, check_target: TargetCheck, run: Runner) -> None:
    """Idempotent: registering a kind again replaces its entry."""
    _kinds[kind] = JobKind(check_target, run)


def get(kind: Kind) -> JobKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(
            f"no job kind {kind.value!r} registered: its package's register() was not called"
        ) from None
