"""How every command runs: on one client (cli.client), the configured database or a server's
REST API when one is configured or holds the embedded database here; expected errors as one
red line.

The client, the services and asyncio are imported inside `run`, so `crm --help` and shell
completion load neither SurrealDB, litellm nor httpx.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, cast

import typer

from cli.output import fail, stderr
from kernel.errors import CRMError

if TYPE_CHECKING:
    from cli.client.connect import Client
    from crm.schema import Migration

T = TypeVar("T")
EXIT_INTERRUPTED = 130


@dataclass
class GlobalOptions:
    """Options of the `crm` command itself, set again on every invocation."""

    api_url: str | None = None
    verbose: bool = False
    workspace: str | None = None


options = GlobalOptions()


def _upgrading(migration: Migration) -> None:
    stderr.print(
        f"Upgrading the database: {migration.version:04d} {migration.name.replace('_', ' ')} …",
        highlight=False,
    )


def _announce(message: str) -> None:
    stderr.print(message, highlight=False)


def run(call: Callable[[Client], Awaitable[T]], *, log_to_stderr: bool = False) -> T:
    """Run a command's one call on the client: a server's API when there is one to use, else
    the configured database. A call with no REST route says what to do instead.

    Logs go to the log file, and to stderr too with `crm --verbose` or `log_to_stderr` (a
    long-running command whose log is its output)."""
    # The one lazy import of the client: it loads the services and SurrealDB.
    import asyncio

    from cli.client import keep_open
    from cli.client.audit import Watched
    from cli.client.connect import connected
    from cli.client.http import StepAside, Target, find_target
    from kernel.logs import configure
    from kernel.settings import load_settings

    async def session(target: Target | None) -> T:
        async with connected(settings, target, _upgrading, _announce) as client:
            if target is None:  # the file is open here: a server to keep it open can start
                keep_open.start(settings)
            # What the command changes that the audit log keeps is recorded once it succeeded.
            return await call(cast("Client", Watched(client)))

    def on_the_file() -> T:
        return asyncio.run(session(None))

    settings = load_settings()
    if options.workspace:
        settings = settings.model_copy(update={"workspace": options.workspace})
    configure(
        settings.log_level, file=settings.log_path, to_stderr=options.verbose or log_to_stderr
    )
    target = find_target(settings, options.api_url)
    try:
        if target is None:
            return on_the_file()
        try:
            return asyncio.run(session(target))
        except StepAside:
            keep_open.release(target)
            return on_the_file()
    except CRMError as exc:
        raise fail(exc.message) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        stderr.print("[yellow]Interrupted.[/yellow] Work already committed is kept.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
