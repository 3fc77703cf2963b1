"""How every command runs a service: one database session, or a call to a server's REST API
(cli.remote) when one is configured or holds the embedded database; expected errors as one
red line.

Services are imported inside command bodies (through `run`), so `crm --help` and shell
completion load neither SurrealDB nor litellm.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

from kernel.errors import CRMError

if TYPE_CHECKING:
    from cli.remote import Remote
    from crm.db import Database
    from crm.schema import Migration

T = TypeVar("T")
stderr = Console(stderr=True)
EXIT_USER_ERROR = 1
EXIT_INTERRUPTED = 130


def fail(message: str) -> typer.Exit:
    stderr.print(f"[red]Error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USER_ERROR)


@dataclass
class GlobalOptions:
    """Options of the `crm` command itself, set again on every invocation."""

    api_url: str | None = None


options = GlobalOptions()


def _upgrading(migration: Migration) -> None:
    stderr.print(
        f"Upgrading the database: {migration.version:04d} {migration.name.replace('_', ' ')} …",
        highlight=False,
    )


def run(
    work: Callable[[Database], Awaitable[T]],
    remote: Callable[[Remote], T] | None = None,
) -> T:
    """Run a command: through a server's REST API when there is one to use (`remote`), else
    on the configured database (applying pending migrations). A command without `remote`
    says what to do when a server is in the way."""

    async def session() -> T:
        from crm.db import connect
        from crm.schema import migrate

        async with connect(settings) as db:
            await migrate(db, upgrading=_upgrading)
            return await work(db)

    from cli.remote import Remote, find_target
    from kernel.logs import configure
    from kernel.settings import load_settings

    settings = load_settings()
    configure(settings.log_level)
    target = find_target(settings, options.api_url)
    try:
        if target is None:
            return asyncio.run(session())
        if remote is None:
            raise fail(target.cannot())
        with Remote(target) as api:
            return remote(api)
    except CRMError as exc:
        raise fail(exc.message) from None
    except KeyboardInterrupt:
        stderr.print("[yellow]Interrupted.[/yellow] Work already committed is kept.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
