"""`crm llm …`: what the AI did."""

from __future__ import annotations

from typing import Any

import typer

from cli.app import command_group
from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run

app = command_group("The LLM gateway: recorded calls, tokens and cost.", no_args_is_help=True)

CALL_FIELDS = (
    "tool",
    "model",
    "tokens_in",
    "tokens_out",
    "cost",
    "latency_ms",
    "cache_hit",
    "outcome",
    "run",
    "created_at",
)


def _cost(value: float | None) -> str:
    return "?" if value is None else f"${value:.6f}"


def _print_calls(calls: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table("when", "tool", "model", "in", "out", "cost", "ms", "cache", "outcome", "run")
    for c in calls:
        table.add_row(
            c["created_at"][:19].replace("T", " "),
            c["tool"],
            c["model"],
            str(c["tokens_in"]),
            str(c["tokens_out"]),
            _cost(c["cost"]),
            f"{c['latency_ms']:.0f}",
            "hit" if c["cache_hit"] else "",
            c["outcome"],
            c["run"] or "",
        )
    stdout.print(table)
    known = [c["cost"] for c in calls if c["cost"] is not None]
    unknown = len(calls) - len(known)
    note = f" ({unknown} calls with unknown price)" if unknown else ""
    stdout.print(f"{len(calls)} calls, total {_cost(sum(known))}{note}")


@app.command()
def calls(
    limit: int = typer.Option(50, "--limit", min=1, max=10000, help="Newest calls to show."),
    run_label: str = typer.Option(None, "--run", help="Only calls of this run/campaign label."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List recorded LLM calls, newest first, with tokens and cost."""

    found = run(lambda client: client.llm.recent_calls(limit, run_label))
    rows = [call.model_dump(mode="json", include=set(CALL_FIELDS)) for call in found]
    emit(rows, as_json, _print_calls)


def summarize(
    ref: str = typer.Argument(..., help="Contact id or email."), as_json: bool = JSON_OPTION
) -> None:
    """An LLM-written summary of how a contact engaged (profile and timeline)."""

    def render(r: dict[str, Any]) -> None:
        stdout.print(f"[bold]{r['engagement_level']}[/bold] · {r['summary']}", highlight=False)
        if r["interests"]:
            stdout.print(f"Interests: {', '.join(r['interests'])}", highlight=False)
        stdout.print(f"Next step: {r['next_step']}", highlight=False)

    emit(run(lambda client: client.llm.summarize(ref)), as_json, render)
