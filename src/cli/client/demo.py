"""`crm demo`: the main job end to end on the embedded defaults, with the bundled sample data;
on this machine's database only."""

from __future__ import annotations

import tempfile
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from campaigns import approval, assets, executor, service
from campaigns.models import Brief, CampaignCreate
from cli.client.http import Api
from cli.output import stderr
from crm.contacts import service as contacts
from crm.contacts.exporter import export_csv
from crm.contacts.importer import ImportOptions, import_csv
from crm.contacts.repository import ContactFilter
from crm.db import Database
from crm.llm_calls.service import gateway
from crm.segments import service as segments
from crm.segments.models import SegmentCreate
from kernel.errors import Conflict
from kernel.settings import Settings


class Demo(Protocol):
    async def run(self) -> dict[str, Any]:
        """Import the sample contacts, export them, then run a campaign to the outbox."""


@dataclass
class LocalDemo:
    db: Database
    settings: Settings

    async def run(self) -> dict[str, Any]:
        sample = resources.files("cli") / "sample_contacts.csv"
        with resources.as_file(sample) as path:
            report = await import_csv(self.db, path, ImportOptions(tags=["demo"]))
        page = await contacts.list_page(self.db, ContactFilter(tag="demo"), limit=5)
        export_path = Path(tempfile.gettempdir()) / "crm-demo-export.csv"
        exported = await export_csv(self.db, export_path, ContactFilter(tag="demo"))
        return {
            "database": self.db.url,
            "import": report.as_dict(),
            "first_contacts": [c.email for c in page.items],
            "exported": exported,
            "export_file": str(export_path),
            "campaign": await _campaign(self.db, self.settings),
        }


@dataclass
class RemoteDemo:
    api: Api

    async def run(self) -> dict[str, Any]:
        raise self.api.cannot()


DEMO_SEGMENT = "Demo contacts"
# What the demo writes when the small local model gives no valid email in its attempts; it
# goes in as a hand-written asset, exactly as `crm campaigns edit-asset` would put it.
FALLBACK_EMAIL = {
    "subject": "Try the new analytics dashboard free for 30 days",
    "body": "Hi there,\n\nOur new analytics dashboard shows your pipeline at a glance. "
    "Try it free for 30 days: https://example.com/trial\n\nBest regards,\nThe Example team",
}


async def _campaign(db: Database, configured: Settings) -> dict[str, Any]:
    """Sample contacts -> segment -> campaign written by the configured (local) model ->
    approved -> executed to the outbox."""
    # The demo never sends real mail, whatever the environment says.
    settings = configured.model_copy(update={"smtp_url": ""})
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
        "cost": await service.llm_cost(db, campaign.id),
        "fallback": fallback,
        "llm_errors": generated.errors,
    }
