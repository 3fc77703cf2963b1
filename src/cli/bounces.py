"""`crm campaigns bounces`: apply bounce and complaint reports from a mailbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cli.output import JSON_OPTION, emit, fail, stdout
from cli.runtime import run


def bounces(
    mbox: Path | None = typer.Option(None, "--mbox", help="An mbox file to read."),
    maildir: Path | None = typer.Option(None, "--maildir", help="A Maildir directory to read."),
    imap: str | None = typer.Option(
        None,
        "--imap",
        help="An IMAP folder: imaps://user:password@host:993/FOLDER (port and folder optional).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Read DSN bounces and ARF complaints: hard bounces and complaints suppress the contact,
    soft bounces are counted. Reading the same mailbox again changes nothing."""
    if mbox is None and maildir is None and imap is None:
        raise fail("give --mbox FILE, --maildir DIR and/or --imap URL")

    def render(r: dict[str, Any]) -> None:
        stdout.print(
            f"Read {r['messages']} messages: {r['reports']} reports "
            f"({r['hard']} hard bounces, {r['soft']} soft, {r['complaints']} complaints), "
            f"{r['matched']} matched a contact, {r['unmatched']} did not, "
            f"{r['already_applied']} applied before",
            highlight=False,
        )

    emit(run(lambda client: client.campaigns.bounces(mbox, maildir, imap)), as_json, render)
