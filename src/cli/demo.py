"""`crm demo`: the main job end to end on the embedded defaults, with the bundled sample data."""

from __future__ import annotations

from typing import Any

from cli.output import emit, stdout
from cli.runtime import run


def run_demo(as_json: bool) -> None:
    result = run(lambda client: client.demo.run())

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
