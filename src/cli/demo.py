"""`crm demo`: the main job end to end on the embedded defaults, with the bundled sample data."""

from __future__ import annotations

import tempfile
from contextlib import suppress
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.output import emit, stdout
from cli.runtime import run, stderr

if TYPE_CHECKING:
    from crm.db import Database


def run_demo(as_json: bool) -> None:
    async def work(db: Database) -> dict[str, Any]:
        from crm.contacts import service as contacts
        from crm.contacts.exporter import export_csv
        from crm.contacts.importer import ImportOptions, import_csv
        from crm.contacts.repository import ContactFilter

        sample = resources.files("cli") / "sample_contacts.csv"
        with resources.as_file(sample) as path:
            report = await import_csv(db, path, ImportOptions(tags=["demo"]))
        page = await contacts.list_page(db, ContactFilter(tag="demo"), limit=5)
        export_path = Path(tempfile.gettempdir()) / "crm-demo-export.csv"
        exported = await export_csv(db, export_path, ContactFilter(tag="demo"))
        return {
            "database": db.url,
            "import": report.as_dict(),
            "first_contacts": [c.email for c in page.items],
            "exported": exported,
            "export_file": str(export_path),
            "campaign": await _campaign(db),
        }

    result = run(work)

    def render(r: dict[str, Any]) -> None:
        imp = r["import"]
        stdout.print(f"[bold]Database[/bold] {r['database']}")
        stdout.print(
            f"[bold]Imported[/bold] sample_contacts.csv: read {imp['read']}, created "
            f"{imp['created']}, skipped {imp['skipped']}, failed {imp['failed']}"
        )
        for e in imp["errors"]:
            stdout.print(f"  line {e['line']}: {e['reason']}", highlight=False)
        stdout.print("[bold]First contacts[/bold] " + ", ".join(r["first_contacts"]))
        stdout.print(f"[bold]Exported[/bold] {r['exported']} contacts to {r['export_file']}")
        _render_campaign(r["campaign"])

    emit(result, as_json, render)


DEMO_SEGMENT = "Demo contacts"
# What the demo writes when the small local model gives no valid email in its attempts; it
# goes in as a hand-written asset, exactly as `crm campaigns edit-asset` would put it.
FALLBACK_EMAIL = {
    "subject": "Try the new analytics dashboard free for 30 days",
    "body": "Hi there,\n\nOur new analytics dashboard shows your pipeline at a glance. "
    "Try it free for 30 days: https://example.com/trial\n\nBest regards,\nThe Example team",
}


async def _campaign(db: Database) -> dict[str, Any]:
    """Sample contacts -> segment -> campaign written by the configured (local) model ->
    approved -> executed to the outbox."""
    from campaigns import approval, assets, executor, service
    from campaigns.models import Brief, CampaignCreate
    from crm.llm_calls.service import gateway
    from crm.segments import service as segments
    from crm.segments.models import SegmentCreate
    from kernel.errors import Conflict
    from kernel.settings import load_settings

    # The demo never sends real mail, whatever the environment says.
    settings = load_settings().model_copy(update={"smtp_url": ""})
    with suppress(Conflict):  # made by an earlier demo run
        await segments.create(db, SegmentCreate(name=DEMO_SEGMENT, rule='tags contains "demo"'))
    campaign = await service.create(
        db,
        CampaignCreate(
            name="Demo: spring analytics launch",
            segment=DEMO_SEGMENT,
            channels=["email"],
            # The demo may run again within a day; its contacts then had the last demo's email.
            frequency_hours=0,
            brief=Brief(
                goal="Invite customers to try the new analytics dashboard",
                offer="30-day free trial",
                call_to_action="Start the free trial",
                link="https://example.com/trial",
            ),
        ),
    )
    stderr.print(f"Generating the campaign's email with {settings.llm_model} …")
    generated = await assets.generate(db, campaign.id, settings, gateway=gateway(db, settings))
    fallback = generated.failed > 0
    if fallback:
        await assets.edit_asset(db, campaign.id, "email", FALLBACK_EMAIL)
        await assets.generate(db, campaign.id, settings, gateway=gateway(db, settings))
    await approval.approve(db, campaign.id, settings)
    report = await executor.run(db, campaign.id, settings)
    status = await service.status(db, campaign.id)
    files = sorted(Path(report.outbox or "").glob("*.eml"))
    return {
        "id": campaign.id,
        "model": settings.llm_model,
        "state": report.state.value,
        "sent": report.sent,
        "skipped": report.skipped,
        "skip_reasons": report.skip_reasons,
        "outbox": report.outbox,
        "files": len(files),
        "example_file": str(files[0]) if files else None,
        "tokens": generated.tokens,
        "cost": status.cost,
        "fallback": fallback,
        "llm_errors": generated.errors,
    }


def _render_campaign(c: dict[str, Any]) -> None:
    stdout.print(
        f"[bold]Campaign[/bold] {c['id']} written by {c['model']} "
        f"({c['tokens']} tokens, ${c['cost']:.4f}): {c['state']}",
        highlight=False,
    )
    if c["fallback"]:
        stdout.print(
            "  [yellow]The model gave no valid email; a hand-written one was used:[/yellow]",
            highlight=False,
        )
        for error in c["llm_errors"]:
            stdout.print(f"    {error}", highlight=False)
    stdout.print(
        f"[bold]Sent[/bold] {c['sent']} emails to the outbox {c['outbox']} "
        f"({c['files']} .eml files), skipped {c['skipped']}",
        highlight=False,
    )
    for reason, n in c["skip_reasons"].items():
        stdout.print(f"  skipped {n}: {reason}", highlight=False)
    if c["example_file"]:
        stdout.print(f"  e.g. {c['example_file']}", highlight=False)
