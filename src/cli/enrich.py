"""`crm enrich`"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from cli.output import JSON_OPTION, emit, show_progress, stdout
from cli.runtime import run, stderr

if TYPE_CHECKING:
    from crm.db import Database
    from crm.enrichment.models import RunReport


def enrich(
    segment: str = typer.Option(None, "--segment", help="Only this segment's contacts."),
    ai: bool = typer.Option(False, "--ai", help="Also ask the LLM for missing fields."),
    only: list[str] = typer.Option(None, "--only", help="Only this field (repeatable)."),
    overwrite_enriched: bool = typer.Option(
        False,
        "--overwrite-enriched",
        help="Replace values earlier enrichment set (never a user's).",
    ),
    batch_size: int = typer.Option(500, "--batch-size", min=1, max=1000),
    as_json: bool = JSON_OPTION,
) -> None:
    """Fill in what contacts are missing. Safe to interrupt and re-run: done work is skipped."""
    from crm.enrichment.models import RunOptions

    options = RunOptions(
        segment=segment,
        only=frozenset(f.strip().lower() for f in only or []),
        overwrite_enriched=overwrite_enriched,
        ai=ai,
        batch_size=batch_size,
    )

    async def work(db: Database) -> RunReport:
        from crm.enrichment import service

        if not show_progress():
            return await service.run(db, options)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        total = await service.count(db, options)
        with Progress("Enriching", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=stderr, transient=True) as bar:  # fmt: skip
            task = bar.add_task("enrich", total=total)
            return await service.run(db, options, progress=lambda n: bar.advance(task, n))

    report = run(work)

    def render(_: Any) -> None:
        stdout.print(
            f"looked at {report.processed}, changed {report.changed}, "
            f"already done {report.skipped}, companies created {report.companies_created}"
            + (f", AI answers {report.ai_calls}, AI failures {report.ai_failed}" if ai else "")
        )
        for field, n in sorted(report.fields.items()):
            stdout.print(f"  {field}: {n}", highlight=False)

    emit(report, as_json, render)
