"""`crm campaigns …`"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from cli.app import command_group
from cli.bounces import bounces as _bounces
from cli.campaign_review import approve, edit_asset, show
from cli.options import validated
from cli.output import EXIT_UNFINISHED, JSON_OPTION, emit, fail, show_progress, stdout
from cli.run_report import report_run
from cli.runtime import run
from cli.schedules import create_schedule, print_runs
from cli.test_send import test_send as _test_send
from cli.volume import YES_OPTION, confirm_calls

if TYPE_CHECKING:
    from campaigns.models import Campaign, Status
    from cli.client.connect import Client

app = command_group(
    "Create campaigns, generate and review their assets, approve and send them.",
    no_args_is_help=True,
)

ID = typer.Argument(..., help="Campaign id.")


@contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for a person at a terminal; a no-op otherwise."""
    if not show_progress():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _parse_config(items: list[str] | None) -> dict[str, dict[str, Any]]:
    """`channel.key=value` options -> {channel: {key: value}}."""
    from crm.normalize import coerce_scalar

    config: dict[str, dict[str, Any]] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        channel, dot, key = name.partition(".")
        if not sep or not dot or not key:
            raise fail(f"--set takes CHANNEL.KEY=VALUE (e.g. email.rate=5), got {item!r}")
        config.setdefault(channel.strip(), {})[key.strip()] = coerce_scalar(value)
    return config


@app.command()
def create(
    name: str = typer.Argument(..., help="Campaign name."),
    segment: str = typer.Option(..., "--segment", help="Target segment (name or id)."),
    channel: list[str] = typer.Option(
        ..., "--channel", help="email, webhook, x, linkedin, facebook, instagram (repeatable)."
    ),
    brief: str = typer.Option(..., "--brief", help="The goal: what to achieve, for whom."),
    offer: str | None = typer.Option(None, "--offer"),
    audience: str | None = typer.Option(None, "--audience", help="Notes about the audience."),
    voice: str | None = typer.Option(None, "--voice", help="Brand voice."),
    cta: str | None = typer.Option(None, "--cta", help="Call to action."),
    link: str | None = typer.Option(None, "--link", help="Where readers should go."),
    from_email: str | None = typer.Option(None, "--from", help="Sender address."),
    sender_name: str | None = typer.Option(None, "--sender-name"),
    webhook_url: str | None = typer.Option(None, "--webhook-url"),
    personalize: bool = typer.Option(False, "--personalize", help="One email per contact."),
    frequency_hours: float | None = typer.Option(
        None, "--frequency-hours", help="At most one email per contact in this many hours (0: off)."
    ),
    settings: list[str] = typer.Option(
        None,
        "--set",
        help="Channel option CHANNEL.KEY=VALUE: concurrency, rate, batch_size, "
        "window (500/1h), error_threshold, url, connector (repeatable).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a draft campaign."""
    config = _parse_config(settings)
    if webhook_url:
        config.setdefault("webhook", {})["url"] = webhook_url

    from campaigns.models import CampaignCreate

    data = validated(
        CampaignCreate,
        name=name,
        segment=segment,
        channels=channel,
        brief={
            "goal": brief,
            "offer": offer,
            "audience": audience,
            "voice": voice,
            "call_to_action": cta,
            "link": link,
        },
        from_email=from_email,
        sender_name=sender_name,
        personalize=personalize,
        frequency_hours=frequency_hours,
        config=config,
    )

    campaign = run(lambda client: client.campaigns.create(data))
    emit(
        {"id": campaign.id, "name": campaign.name, "state": campaign.state},
        as_json,
        lambda r: stdout.print(f"Created campaign {r['id']} ({r['name']}), state {r['state']}"),
    )


@app.command("list")
def list_(as_json: bool = JSON_OPTION) -> None:
    """All campaigns, newest first."""

    def render(items: list[Campaign]) -> None:
        from rich.table import Table

        table = Table("id", "name", "state", "segment", "channels", "created")
        for c in items:
            table.add_row(
                c.id, c.name, c.state, c.segment, ", ".join(c.channels), f"{c.created_at:%Y-%m-%d}"
            )
        stdout.print(table)

    emit(run(lambda client: client.campaigns.list_all()), as_json, render)


@app.command()
def generate(
    key: str = ID,
    personalize: bool | None = typer.Option(
        None, "--personalize/--no-personalize", help="Also write one email per contact."
    ),
    regenerate: bool = typer.Option(
        False, "--regenerate", help="New versions of generated assets (hand edits are kept)."
    ),
    max_cost: float | None = typer.Option(None, "--max-cost", help="Stop at this many USD."),
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the campaign's assets with the LLM tools (resumable: existing ones are kept).

    Personalised emails take one LLM call per member: above a hundred calls it asks first
    (--yes: does not ask)."""

    def render(r: dict[str, Any]) -> None:
        cost = "unknown cost" if r["cost"] is None else f"${r['cost']:.4f}"
        stdout.print(
            f"Assets: {r['created']} written, {r['kept']} kept ({r['kept_edited']} hand-edited), "
            f"{r['failed']} failed · {r['tokens']} tokens · {cost} · state {r['state']}",
            highlight=False,
        )
        for error in r["errors"]:
            stdout.print(f"  [red]{error}[/red]", highlight=False)
        if r["failed"]:
            stdout.print(
                f"Generate again to retry the failed assets, or write them by hand: "
                f"crm campaigns edit-asset {r['id']} --channel CHANNEL [--variant VARIANT] …",
                highlight=False,
            )

    async def work(client: Client) -> dict[str, Any]:
        calls = await client.campaigns.planned_calls(
            key, personalize=personalize, regenerate=regenerate
        )
        confirm_calls(calls, f"Generating the assets of campaign {key}", yes=yes)
        return await client.campaigns.generate(
            key,
            personalize=personalize,
            regenerate=regenerate,
            max_cost=max_cost,
            progress=_progress,
        )

    report = run(work)
    emit(report, as_json, render)
    if report["state"] == "failed":
        raise typer.Exit(EXIT_UNFINISHED)


def _state_line(c: Campaign) -> None:
    reason = f" ({c.state_reason})" if c.state_reason else ""
    stdout.print(f"Campaign {c.id}: {c.state}{reason}", highlight=False)


@app.command("run")
def run_(
    key: str = ID,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Render every message to the outbox; send nothing."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send an approved campaign. Ctrl-C pauses it after the messages in flight.

    Exits 3 when the run ended paused (send errors, review needed, interrupted)."""
    report = run(lambda client: client.campaigns.run(key, dry_run=dry_run, progress=_progress))
    report_run(report, as_json)


@app.command()
def resume(
    key: str = ID,
    force: bool = typer.Option(
        False, "--force", help="Take over a running campaign whose process is known to be gone."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Continue a paused or interrupted campaign; nothing is sent twice. Exits 3 when the run
    ended paused again."""
    report = run(lambda client: client.campaigns.resume(key, force=force, progress=_progress))
    report_run(report, as_json)


@app.command()
def pause(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Pause a running campaign (its executor stops at the next batch)."""

    emit(run(lambda client: client.campaigns.pause(key)), as_json, _state_line)


@app.command()
def cancel(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Cancel a campaign for good."""

    emit(run(lambda client: client.campaigns.cancel(key)), as_json, _state_line)


@app.command()
def status(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Live counts: queued, sent, failed, skipped, review, cost."""

    def render(s: Status) -> None:
        from rich.table import Table

        stdout.print(
            f"[bold]{s.name}[/bold] ({s.id}) — {s.state}"
            + (f": {s.state_reason}" if s.state_reason else ""),
            highlight=False,
        )
        table = Table("channel", "queued", "sending", "sent", "failed", "skipped", "review")
        for name, c in s.per_channel.items():
            table.add_row(
                name,
                *(str(v) for v in (c.queued, c.sending, c.sent, c.failed, c.skipped, c.review)),
            )
        stdout.print(table)
        for reason, n in s.skip_reasons.items():
            stdout.print(f"  skipped {n}: {reason}", highlight=False)
        stdout.print(f"Opened {s.opened} · clicked {s.clicked} · cost ${s.cost:.4f}")
        if s.runs:
            stdout.print("Scheduled runs:")
            print_runs(s.runs)

    emit(run(lambda client: client.campaigns.status(key)), as_json, render)


@app.command()
def schedule(
    key: str = ID,
    at: str = typer.Option(None, "--at", help="Once: 2026-12-01T09:00 (wall time in --tz)."),
    cron: str = typer.Option(None, "--cron", help="Recurring: cron such as '0 9 * * MON'."),
    tz: str = typer.Option("UTC", "--tz", help="IANA time zone, e.g. Europe/Berlin."),
    missed: str = typer.Option("catch_up", "--missed", help="catch_up (run once) or skip."),
    max_attempts: int = typer.Option(3, "--max-attempts", min=1, max=20),
    retry_seconds: float = typer.Option(60.0, "--retry-seconds", min=0),
    repeat: bool = typer.Option(
        False, "--repeat", help="Send to every member each time (default: new members only)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the campaign at a time or on a cron (a `crm worker` runs it) -> {"id": ...}.

    Each run targets the segment's members at that time."""
    create_schedule(
        "campaign", key, at=at, cron=cron, tz=tz, missed=missed, max_attempts=max_attempts,
        retry_seconds=retry_seconds, as_json=as_json, repeat=repeat,
    )  # fmt: skip


@app.command()
def review(
    key: str = ID,
    sent: list[str] = typer.Option(None, "--sent", help="Delivery that did go out (repeatable)."),
    resend: list[str] = typer.Option(
        None, "--resend", help="Delivery that did not go out: queue it again (repeatable)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List deliveries whose send outcome is unknown, or resolve them."""

    def render(r: dict[str, Any]) -> None:
        if r["resolved"]:
            stdout.print(f"Resolved {r['resolved']} deliveries")
        for d in r["review"]:
            to = d["email"] or f"contact {d['contact']}"
            stdout.print(
                f"  {d['id']}  {d['channel']}  {to}  campaign {d['campaign']}  {d['reason']}",
                highlight=False,
                soft_wrap=True,
            )
        stdout.print(f"{len(r['review'])} deliveries need review", highlight=False)

    emit(
        run(lambda client: client.campaigns.review(key, sent or [], resend or [])), as_json, render
    )


# Defined in its own module; a `campaigns` subcommand because bounces come from campaign mail.
app.command()(show)
app.command("edit-asset")(edit_asset)
app.command()(approve)
app.command("bounces")(_bounces)
app.command("test-send")(_test_send)
