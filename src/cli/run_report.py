"""How `crm campaigns run` and `resume` print a run's report and what they exit with."""

from __future__ import annotations

from typing import Any

import typer

from cli.output import emit, stdout

# The run ended with the campaign paused: send errors, deliveries needing review, transient
# failures left to retry, or an interruption. Scripts and schedules should notice.
EXIT_PAUSED = 3


def report_run(report: dict[str, Any], as_json: bool) -> None:
    """Print a run's report; a run that ended paused exits EXIT_PAUSED, its reason last."""
    emit(report, as_json, _print)
    if report["state"] == "paused":
        raise typer.Exit(EXIT_PAUSED)


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
