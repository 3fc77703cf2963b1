"""The enrichment job kind: the deterministic enrichers over a segment, or every contact."""

from __future__ import annotations

from crm.db import Database
from crm.enrichment import service as enrichment
from crm.enrichment.models import RunOptions
from crm.segments import service as segments
from kernel.settings import Settings
from scheduling.models import Run, RunOutcome


async def check_target(db: Database, target: str) -> None:
    """The segment must exist; an empty target means every contact."""
    if target:
        await segments.require(db, target)


async def run(db: Database, run: Run, settings: Settings) -> RunOutcome:
    """A re-run skips contacts already enriched from the same inputs, so retrying is cheap."""
    report = await enrichment.run(db, RunOptions(segment=run.target or None))
    return RunOutcome.from_report(report.model_dump())
