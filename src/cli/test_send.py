"""`crm campaigns test-send`: the email one contact would get, sent to you as a test."""

from __future__ import annotations

import typer

from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run


def test_send(
    key: str = typer.Argument(..., help="Campaign id."),
    to: str = typer.Option(..., "--to", help="Where to send the test email."),
    contact: str | None = typer.Option(
        None, "--contact", help="Render it as this contact gets it (default: the first member)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send the email a contact would get (merge fields, tracked links, footer) to --to, with
    "[TEST]" in the subject; the campaign, its deliveries and its counts do not change."""
    sent = run(lambda client: client.campaigns.test_send(key, to, contact))
    emit(
        sent.model_dump(mode="json"),
        as_json,
        lambda r: stdout.print(
            f"Sent {r['subject']!r} to {r['to']} as {r['contact']} would get it "
            f"(via {r['sent_via']})",
            highlight=False,
        ),
    )
