"""How every command runs a service: one database session, expected errors as one red line.

Services are imported inside command bodies (through `run`), so `crm --help` and shell
completion load neither SurrealDB nor litellm.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

from crm.errors import CRMError

if TYPE_CHECKING:
    from crm.db import Database

T = TypeVar("T")
stderr = Console(stderr=True)
EXIT_USER_ERROR = 1
EXIT_INTERRUPTED = 130


def fail(message: str) -> typer.Exit:
    stderr.print(f"[red]Error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USER_ERROR)


def run(work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the configured database (applying pending migrations), run `work`, close."""

    async def session() -> T:
        from crm.db import connect
        from crm.logs import configure
        from crm.schema import migrate
        from crm.settings import load_settings

        settings = load_settings()
        configure(settings.log_level)
        async with connect(settings) as db:
            await migrate(db)
            return await work(db)

    try:
        return asyncio.run(session())
    except CRMError as exc:
        raise fail(exc.message) from None
    except KeyboardInterrupt:
        stderr.print("[yellow]Interrupted.[/yellow] Work already committed is kept.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
