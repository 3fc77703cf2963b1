"""`crm enrich`"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from cli.output import JSON_OPTION, emit, show_progress, stderr, stdout
from cli.runtime import run
from cli.volume import YES_OPTION, confirm_calls

if TYPE_CHECKING:
    from cli.client.connect import Client
    from crm.enrichment.models import RunReport


@contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=stderr, transient=True) as bar:  # fmt: skip
        task = bar.add_task("enrich", total=total)
        yield lambda n: bar.advance(task, n)


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
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Fill in what contacts are missing. Safe to interrupt and re-run: done work is skipped.

    With --ai on more than a hundred contacts it asks first (--yes: does not ask)."""
    from crm.enrichment.models import RunOptions

    options = RunOptions(
        segment=segment,
        only=frozenset(f.strip().lower() for f in only or []),
        overwrite_enriched=overwrite_enriched,
        ai=ai,
        batch_size=batch_size,
    )

    progress = _progress if show_progress() else None

    async def work(client: Client) -> RunReport:
        if ai:
            confirm_calls(await client.enrichment.count(options), "AI enrichment", yes=yes)
        return await client.enrichment.run(options, progress)

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
