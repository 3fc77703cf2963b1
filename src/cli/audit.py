"""`crm audit`: who did what, when and from where, in the workspace commands work in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import typer

from cli.output import JSON_OPTION, emit, plain, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from accounts.audit.models import AuditEntry

_AGE = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """An ISO time (UTC unless it says), or an age: `30m`, `2h`, `7d`, `2w`."""
    age = _AGE.fullmatch(text.strip().lower())
    if age:
        amount, unit = age.groups()
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither an ISO time (2026-05-01T09:00) nor an age (30m, 2h, 7d, 2w)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def audit(
    since: str = typer.Option(
        None,
        "--since",
        help="Only entries since this ISO time or age (30m, 2h, 7d, 2w).",
        show_default=False,
    ),
    limit: int = typer.Option(100, "--limit", min=1, max=1000, help="At most this many."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the audit log, newest first. It holds key creation and revocation, exports,
    approvals, runs, pauses, deletions and workspace changes."""
    start = parse_since(since) if since else None
    found = run(lambda client: client.audit.entries(start, limit))

    def show(items: list[AuditEntry]) -> None:
        from rich.table import Table

        table = Table("at", "action", "target", "actor", "name", "ip")
        for e in items:
            table.add_row(plain(e.at), e.action, e.target, e.actor, e.actor_name, e.ip)
        stdout.print(table)

    emit({"items": found}, as_json, lambda d: show(d["items"]))
