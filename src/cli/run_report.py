"""How `crm campaigns run` and `resume` print a run's report and what they exit with."""

from __future__ import annotations

from typing import Any

import typer

from cli.output import EXIT_UNFINISHED, emit, stdout


def report_run(report: dict[str, Any], as_json: bool) -> None:
    """Print a run's report; a run that ended paused (send errors, deliveries needing review,
    transient failures left to retry, an interruption) exits EXIT_UNFINISHED, its reason last."""
    emit(report, as_json, _print)
    if report["state"] == "paused":
        raise typer.Exit(EXIT_UNFINISHED)


def _print(r: dict[str, Any]) -> None:
    if r["dry_run"]:
        stdout.print(
            f"Dry run: {r['rendered']} messages rendered to {r['outbox']}, "
            f"{r['skipped']} would be skipped",
            highlight=False,
        )
    else:
        stdout.print(
            f"Sent {r['sent']}, skipped {r['skipped']}, failed {r['failed']}, "
            f"review {r['review']} · campaign {r['state']}",
            highlight=False,
        )
    for reason, n in r["skip_reasons"].items():
        stdout.print(f"  skipped {n}: {reason}", highlight=False)
    if r["reason"]:
        stdout.print(f"{str(r['state']).capitalize()}: {r['reason']}", highlight=False)
