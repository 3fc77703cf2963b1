"""`crm campaigns …`"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.bounces import bounces as _bounces
from cli.output import JSON_OPTION, emit, show_progress, stdout
from cli.remote import seg
from cli.runtime import fail, run

if TYPE_CHECKING:
    from campaigns.models import Asset, Campaign, Status
    from cli.remote import Remote
    from crm.db import Database

app = typer.Typer(
    help="Create campaigns, generate and review their assets, approve and send them.",
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


def _stop_on_signals() -> asyncio.Event:
    """Ctrl-C or SIGTERM finish the messages in flight and pause the campaign."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


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
    from cli.contacts import validated

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

    async def work(db: Database) -> Campaign:
        from campaigns import service
        from crm.segments.service import require

        await require(db, segment)  # a campaign for a segment that does not exist is a typo
        return await service.create(db, data)

    def remote(api: Remote) -> Campaign:
        api.get(f"segments/{seg(segment)}")
        return _campaign(api.post("campaigns", data.model_dump(mode="json", exclude_unset=True)))

    campaign = run(work, remote)
    emit(
        {"id": campaign.id, "name": campaign.name, "state": campaign.state},
        as_json,
        lambda r: stdout.print(f"Created campaign {r['id']} ({r['name']}), state {r['state']}"),
    )


@app.command("list")
def list_(as_json: bool = JSON_OPTION) -> None:
    """All campaigns, newest first."""

    async def work(db: Database) -> list[Campaign]:
        from campaigns import service

        return await service.list_all(db)

    def remote(api: Remote) -> list[Campaign]:
        return [_campaign(c) for c in api.get("campaigns")["items"]]

    def render(items: list[Campaign]) -> None:
        from rich.table import Table

        table = Table("id", "name", "state", "segment", "channels", "created")
        for c in items:
            table.add_row(
                c.id, c.name, c.state, c.segment, ", ".join(c.channels), f"{c.created_at:%Y-%m-%d}"
            )
        stdout.print(table)

    emit(run(work, remote), as_json, render)


def _campaign(data: object) -> Campaign:
    from campaigns.models import Campaign

    return Campaign.model_validate(data)


def _asset_panel(asset: Asset) -> None:
    from rich.panel import Panel

    content = asset.content
    if "subject" in content:
        text = f"[bold]Subject:[/bold] {content['subject']}\n\n{content.get('body', '')}"
    else:
        text = str(content.get("full_text") or content.get("text", ""))
    cost = f"${asset.cost:.4f}" if asset.cost is not None else "unknown cost"
    title = f"{asset.channel} · {asset.variant} · v{asset.version}" + (
        " · edited" if asset.edited else ""
    )
    subtitle = (
        f"{asset.model or 'hand-written'} · {asset.tokens_in + asset.tokens_out} tokens · {cost}"
    )
    stdout.print(Panel(text, title=title, subtitle=subtitle, title_align="left"), highlight=False)


@app.command()
def show(
    key: str = ID,
    history: bool = typer.Option(False, "--history", help="Every version of every asset."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The campaign and its assets."""

    async def work(db: Database) -> dict[str, Any]:
        from campaigns import assets, service

        return {
            "campaign": await service.require(db, key),
            "assets": await assets.list_assets(db, key, history=history),
        }

    def remote(api: Remote) -> dict[str, Any]:
        from campaigns.models import Asset

        found = api.get(f"campaigns/{seg(key)}/assets", history=history)["items"]
        return {
            "campaign": _campaign(api.get(f"campaigns/{seg(key)}")),
            "assets": [Asset.model_validate(a) for a in found],
        }

    def render(r: dict[str, Any]) -> None:
        c: Campaign = r["campaign"]
        stdout.print(f"[bold]{c.name}[/bold] ({c.id}) — {c.state}", highlight=False)
        if c.state_reason:
            stdout.print(f"  {c.state_reason}", highlight=False)
        stdout.print(f"  segment {c.segment} · channels {', '.join(c.channels)}", highlight=False)
        stdout.print(f"  brief: {c.brief.as_text()}", highlight=False)
        personal = [a for a in r["assets"] if a.variant.startswith("contact:")]
        for asset in r["assets"]:
            if not asset.variant.startswith("contact:"):
                _asset_panel(asset)
        if personal:
            stdout.print(f"  and {len(personal)} personalised emails (--json shows them)")

    emit(run(work, remote), as_json, render)


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
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the campaign's assets with the LLM tools (resumable: existing ones are kept)."""

    async def work(db: Database) -> dict[str, Any]:
        from campaigns import assets, service
        from crm.llm_calls.service import gateway
        from kernel.settings import load_settings

        settings = load_settings()
        campaign = await service.require(db, key)
        wants = campaign.personalize if personalize is None else personalize
        total = await assets.count_jobs(db, campaign, personalize=wants)
        with _progress("Generating assets", total) as advance:
            report = await assets.generate(
                db,
                key,
                settings,
                gateway=gateway(db, settings, max_cost=max_cost),
                personalize=personalize,
                regenerate=regenerate,
                progress=advance,
            )
        return report.as_dict()

    def remote(api: Remote) -> dict[str, Any]:
        if max_cost is not None:
            raise fail("--max-cost works only on the database: set CRM_LLM_MAX_COST on the server")
        found = api.post(
            f"campaigns/{seg(key)}/assets", personalize=personalize, regenerate=regenerate
        )
        result: dict[str, Any] = api.wait(found)
        return result

    def render(r: dict[str, Any]) -> None:
        stdout.print(
            f"Assets: {r['created']} written, {r['kept']} kept ({r['kept_edited']} hand-edited), "
            f"{r['failed']} failed · {r['tokens']} tokens · ${r['cost']:.4f} · state {r['state']}",
            highlight=False,
        )
        for error in r["errors"]:
            stdout.print(f"  [red]{error}[/red]", highlight=False)

    emit(run(work, remote), as_json, render)


@app.command("edit-asset")
def edit_asset(
    key: str = ID,
    channel: str = typer.Option(..., "--channel"),
    variant: str = typer.Option("segment", "--variant"),
    subject: str | None = typer.Option(None, "--subject"),
    body_file: Path | None = typer.Option(
        None, "--body-file", help="New body (email) or text (social) from a file."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change an asset by hand; later generations keep the edit."""
    changes: dict[str, Any] = {}
    if subject is not None:
        changes["subject"] = subject
    if body_file is not None:
        text = body_file.read_text(encoding="utf-8")
        changes["body" if channel in ("email", "webhook") else "text"] = text
    if not changes:
        raise fail("give --subject and/or --body-file")

    async def work(db: Database) -> Asset:
        from campaigns import assets

        return await assets.edit_asset(db, key, channel, changes, variant=variant)

    emit(run(work), as_json, _asset_panel)


def _state_line(c: Campaign) -> None:
    reason = f" ({c.state_reason})" if c.state_reason else ""
    stdout.print(f"Campaign {c.id}: {c.state}{reason}", highlight=False)


@app.command()
def approve(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Freeze the assets and snapshot the segment's members."""

    async def work(db: Database) -> Campaign:
        from campaigns import approval
        from kernel.settings import load_settings

        return await approval.approve(db, key, load_settings())

    campaign = run(work, lambda api: _campaign(api.post(f"campaigns/{seg(key)}/approve")))
    emit(
        {"id": campaign.id, "state": campaign.state, "members": campaign.members},
        as_json,
        lambda r: stdout.print(f"Approved {r['id']}: {r['members']} members", highlight=False),
    )


def _execute(key: str, *, resume: bool, dry_run: bool, force: bool, as_json: bool) -> None:
    async def work(db: Database) -> dict[str, Any]:
        from campaigns import executor, service
        from kernel.settings import load_settings

        settings = load_settings()
        status = await service.status(db, key)
        options = executor.Options(dry_run=dry_run, stop=_stop_on_signals(), force=force)
        label = "Rendering" if dry_run else "Sending"
        with _progress(label, status.queued + (status.sending if resume else 0)) as advance:
            options.progress = lambda channel, n: advance(n)
            action = executor.resume if resume else executor.run
            report = await action(db, key, settings, options)
        result = report.as_dict()
        result["cost"] = (await service.status(db, key)).cost
        return result

    def remote(api: Remote) -> dict[str, Any]:
        if resume:
            job = api.post(f"campaigns/{seg(key)}/resume", force=force)
        else:
            job = api.post(f"campaigns/{seg(key)}/execute", dry_run=dry_run)
        result: dict[str, Any] = api.wait(job)
        return result

    def render(r: dict[str, Any]) -> None:
        if r["dry_run"]:
            stdout.print(
                f"Dry run: {r['rendered']} messages rendered to {r['outbox']}, "
                f"{r['skipped']} would be skipped",
                highlight=False,
            )
        else:
            stdout.print(
                f"Sent {r['sent']}, skipped {r['skipped']}, failed {r['failed']}, "
                f"review {r['review']} · campaign {r['state']}"
                + (f" ({r['reason']})" if r["reason"] else ""),
                highlight=False,
            )
        for reason, n in r["skip_reasons"].items():
            stdout.print(f"  skipped {n}: {reason}", highlight=False)

    emit(run(work, remote), as_json, render)


@app.command("run")
def run_(
    key: str = ID,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Render every message to the outbox; send nothing."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send an approved campaign. Ctrl-C pauses it after the messages in flight."""
    _execute(key, resume=False, dry_run=dry_run, force=False, as_json=as_json)


@app.command()
def resume(
    key: str = ID,
    force: bool = typer.Option(
        False, "--force", help="Take over a running campaign whose process is known to be gone."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Continue a paused or interrupted campaign; nothing is sent twice."""
    _execute(key, resume=True, dry_run=False, force=force, as_json=as_json)


@app.command()
def pause(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Pause a running campaign (its executor stops at the next batch)."""

    async def work(db: Database) -> Campaign:
        from campaigns import service

        return await service.pause(db, key)

    emit(
        run(work, lambda api: _campaign(api.post(f"campaigns/{seg(key)}/pause"))),
        as_json,
        _state_line,
    )


@app.command()
def cancel(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Cancel a campaign for good."""

    async def work(db: Database) -> Campaign:
        from campaigns import service

        return await service.cancel(db, key)

    emit(run(work), as_json, _state_line)


@app.command()
def status(key: str = ID, as_json: bool = JSON_OPTION) -> None:
    """Live counts: queued, sent, failed, skipped, review, cost."""

    async def work(db: Database) -> Status:
        from campaigns import service

        return await service.status(db, key)

    def remote(api: Remote) -> Status:
        from campaigns.models import Status

        return Status.model_validate(api.get(f"campaigns/{seg(key)}/status"))

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
            from cli.schedules import print_runs

            stdout.print("Scheduled runs:")
            print_runs(s.runs)

    emit(run(work, remote), as_json, render)


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
    from cli.schedules import create_schedule

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

    async def work(db: Database) -> dict[str, Any]:
        from campaigns import service

        changed = 0
        if sent:
            changed += await service.resolve_review(db, key, sent, sent=True)
        if resend:
            changed += await service.resolve_review(db, key, resend, sent=False)
        pending = await service.needing_review(db, key)
        return {
            "resolved": changed,
            "review": [
                d.model_dump(mode="json", include={"id", "contact", "channel", "reason"})
                for d in pending
            ],
        }

    def render(r: dict[str, Any]) -> None:
        if r["resolved"]:
            stdout.print(f"Resolved {r['resolved']} deliveries")
        for d in r["review"]:
            stdout.print(f"  {d['id']}  {d['channel']}  contact {d['contact']}  {d['reason']}")
        stdout.print(f"{len(r['review'])} deliveries need review", highlight=False)

    emit(run(work), as_json, render)


# Defined in its own module; a `campaigns` subcommand because bounces come from campaign mail.
app.command("bounces")(_bounces)
