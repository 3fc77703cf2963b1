"""`crm demo`: the main job end to end on the embedded defaults, with the bundled sample data."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.output import emit, stdout
from cli.runtime import run

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

    emit(result, as_json, render)
