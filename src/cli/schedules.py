"""`crm schedules …` and `crm worker`: scheduled campaign and enrichment runs."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from cli.app import command_group
from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from cli.client.connect import Client
    from scheduling.models import Run, Schedule

app = command_group(
    "Schedule campaign sends and enrichment runs; list, pause, resume and delete them.",
    no_args_is_help=True,
)

ID = typer.Argument(..., help="Schedule id.")
AT = typer.Option(
    None,
    "--at",
    help="Once, at this time: 2026-12-01T09:00 (wall time in --tz) or with an offset.",
)
CRON = typer.Option(None, "--cron", help="Recurring: five-field cron, e.g. '0 9 * * MON'.")
TZ = typer.Option("UTC", "--tz", help="IANA time zone the time or cron is read in.")
MISSED = typer.Option(
    "catch_up",
    "--missed",
    help="When no worker was up at the due time: catch_up (run once) or skip.",
)
MAX_ATTEMPTS = typer.Option(3, "--max-attempts", min=1, max=20, help="Tries per occurrence.")
RETRY_SECONDS = typer.Option(
    60.0, "--retry-seconds", min=0, help="Wait before the first retry (doubles each time)."
)


def _parse_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO date-time: {text!r}", param_hint="--at") from None


def create_schedule(
    kind: str,
    target: str,
    *,
    at: str | None,
    cron: str | None,
    tz: str,
    missed: str,
    max_attempts: int,
    retry_seconds: float,
    as_json: bool,
    repeat: bool = False,
) -> None:
    """Shared by `crm campaigns schedule` and `crm schedules enrich`."""
    if (at is None) == (cron is None):
        raise typer.BadParameter("give exactly one of --at (once) and --cron (recurring)")
    if missed not in ("catch_up", "skip"):
        raise typer.BadParameter("choose catch_up or skip", param_hint="--missed")
    when = _parse_at(at)

    def create(client: Client) -> Awaitable[Schedule]:
        from scheduling.models import Kind, Missed, Timing

        timing = Timing(
            at=when,
            cron=cron,
            tz=tz,
            missed=Missed(missed),
            max_attempts=max_attempts,
            retry_seconds=retry_seconds,
            repeat=repeat,
        )
        return client.schedules.create(Kind(kind), target, timing)

    schedule = run(create)
    emit(
        {"id": schedule.id, **schedule.model_dump(mode="json", exclude={"id"})},
        as_json,
        lambda _: stdout.print(
            f"Scheduled {schedule.id}: {_timing(schedule)}, next {_when(schedule.next_due_at)}",
            highlight=False,
        ),
    )


@app.command()
def enrich(
    segment: str = typer.Option("", "--segment", help="Only this segment (default: everyone)."),
    at: str = AT,
    cron: str = CRON,
    tz: str = TZ,
    missed: str = MISSED,
    max_attempts: int = MAX_ATTEMPTS,
    retry_seconds: float = RETRY_SECONDS,
    as_json: bool = JSON_OPTION,
) -> None:
    """Schedule enrichment runs (the deterministic enrichers) -> {"id": ...}."""
    create_schedule(
        "enrichment",
        segment,
        at=at,
        cron=cron,
        tz=tz,
        missed=missed,
        max_attempts=max_attempts,
        retry_seconds=retry_seconds,
        as_json=as_json,
    )


@app.command("list")
def list_(
    campaign: str = typer.Option(None, "--campaign", help="Only this campaign's schedules."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every schedule, with its state and next due time."""

    def render(items: list[Schedule]) -> None:
        from rich.table import Table

        table = Table("id", "kind", "target", "when", "missed", "state", "next")
        for s in items:
            table.add_row(
                s.id, s.kind, s.target or "(all)", _timing(s), s.missed, s.state,
                _when(s.next_due_at),
            )  # fmt: skip
        stdout.print(table)

    emit(run(lambda client: client.schedules.list_schedules(campaign)), as_json, render)


@app.command()
def show(
    key: str = ID,
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="How many recent runs."),
    as_json: bool = JSON_OPTION,
) -> None:
    """A schedule and its recent runs (due, started, finished, outcome, counts, cost)."""

    schedule, runs = run(lambda client: client.schedules.show(key, limit))

    def render(result: dict[str, Any]) -> None:
        s: Schedule = result["schedule"]
        stdout.print(
            f"[bold]{s.id}[/bold] {s.kind} {s.target or '(all)'} — {_timing(s)}, {s.state}, "
            f"next {_when(s.next_due_at)}",
            highlight=False,
        )
        print_runs(result["runs"])

    emit({"schedule": schedule, "runs": runs}, as_json, render)


def print_runs(runs: list[Run]) -> None:
    """The runs table, also used by `crm campaigns status`."""
    from rich.table import Table

    table = Table("due", "status", "started", "finished", "tries", "counts", "cost", "error")
    for r in runs:
        table.add_row(
            _when(r.due_at) + (" (late)" if r.late else ""),
            r.status,
            _when(r.started_at),
            _when(r.finished_at),
            str(r.attempts),
            " ".join(f"{k}={v}" for k, v in r.counts.items() if v),
            "" if r.cost is None else f"${r.cost:.4f}",
            r.error or "",
        )
    stdout.print(table)


@app.command()
def pause(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Start no new occurrences until resumed."""
    _print_state(run(lambda client: client.schedules.pause(key)), as_json)


@app.command()
def resume(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Continue with the next occurrence after now."""
    _print_state(run(lambda client: client.schedules.resume(key)), as_json)


def _print_state(schedule: Schedule, as_json: bool) -> None:
    emit(
        schedule,
        as_json,
        lambda s: stdout.print(f"{s.id} is {s.state}, next {_when(s.next_due_at)}"),
    )


@app.command()
def delete(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Delete a schedule; its run history stays."""

    run(lambda client: client.schedules.delete(key))
    emit({"id": key, "deleted": True}, as_json, lambda _: stdout.print(f"Deleted {key}"))


def worker(
    port: int = typer.Option(
        0,
        "--port",
        min=0,
        max=65535,
        help="On an embedded database: the port of the local API the other crm commands go "
        "through while the worker holds the database (0: any free port).",
    ),
) -> None:
    """Run due schedules until SIGTERM or Ctrl-C. The current work is then finished or handed
    back; each run's start, progress and end are logged on stderr.

    On an embedded database the worker holds the file, so it also serves the REST API on
    127.0.0.1 (like `crm serve --worker`) and the other `crm` commands go through it. Start as
    many as you like against a SurrealDB server; each occurrence runs once.
    """
    from cli.client.http import find_target
    from cli.client.keep_open import release_held
    from cli.runtime import options
    from cli.serve import run_server
    from crm.db import embedded_file
    from kernel.settings import load_settings

    settings = load_settings()
    holds_a_file = embedded_file(settings.database_url) is not None
    if holds_a_file:
        release_held(settings)
    if holds_a_file and find_target(settings, options.api_url) is None:
        run_server("127.0.0.1", port, access_log=False, worker=True)
    else:  # a SurrealDB server; or a server already holds the file, which says what to do
        run(lambda client: client.schedules.work(), log_to_stderr=True)


def _timing(s: Schedule) -> str:
    timing = f"cron '{s.cron}' {s.tz}" if s.cron else f"once {_when(s.at, s.tz)}"
    return timing + (" (repeat)" if s.repeat else "")


def _when(value: datetime | None, tz: str | None = None) -> str:
    if value is None:
        return "-"
    if tz:
        from zoneinfo import ZoneInfo

        return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")
    return value.astimezone().strftime("%Y-%m-%d %H:%M %Z")
