"""`crm apikeys …`: keys for the REST API (stored as digests; a new key is shown once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from crm.apikeys.models import ApiKey

app = typer.Typer(help="API keys for `crm serve`.", no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Option(..., "--name", help="Who or what uses the key."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a key. It is printed once; only its digest is stored."""

    key = run(lambda client: client.apikeys.create(name))
    emit(
        key,
        as_json,
        lambda k: stdout.print(
            f"Created API key {k.id} ({k.name}). Store it now, it is not shown again:\n{k.key}",
            highlight=False,
        ),
    )


@app.command("list")
def list_(as_json: bool = JSON_OPTION) -> None:
    """List keys (prefix, name, created, revoked)."""

    keys = run(lambda client: client.apikeys.list_keys())

    def show(items: list[ApiKey]) -> None:
        from rich.table import Table

        table = Table("id", "prefix", "name", "created", "revoked")
        for k in items:
            revoked = k.revoked_at.isoformat()[:19] if k.revoked_at else ""
            table.add_row(k.id, k.prefix, k.name, k.created_at.isoformat()[:19], revoked)
        stdout.print(table)

    emit(keys, as_json, show)


@app.command()
def revoke(
    ref: str = typer.Argument(..., help="Key id or the prefix `crm apikeys list` shows."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke a key: requests with it are answered 403 from now on."""

    key = run(lambda client: client.apikeys.revoke(ref))
    emit(key, as_json, lambda k: stdout.print(f"Revoked API key {k.id} ({k.name})"))
