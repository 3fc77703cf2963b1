"""`crm apikeys …`: keys for the REST API (stored as digests; a new key is shown once).

A key works in one workspace with one role."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from accounts.roles import Role
from cli.app import command_group
from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from accounts.apikeys.models import ApiKey

app = command_group("API keys for `crm serve`.", no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Option(..., "--name", help="Who or what uses the key."),
    role: Role = typer.Option(
        Role.ADMIN, "--role", help="What the key may do: viewer, editor, admin or owner."
    ),
    workspace: str = typer.Option(
        None,
        "--workspace",
        help="The workspace it works in (id or name). Default: the one commands work in.",
        show_default=False,
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a key. It is printed once; only its digest is stored."""

    key = run(lambda client: client.apikeys.create(name, role, workspace))
    emit(
        key,
        as_json,
        lambda k: stdout.print(
            f"Created API key {k.id} ({k.name}, {k.role.value} of workspace {k.workspace}). "
            f"Store it now, it is not shown again:\n{k.key}",
            highlight=False,
        ),
    )


@app.command("list")
def list_(
    every: bool = typer.Option(False, "--all", help="Keys of every workspace."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List keys (prefix, name, role, workspace, created, revoked)."""

    keys = run(lambda client: client.apikeys.list_keys(every))

    def show(items: list[ApiKey]) -> None:
        from rich.table import Table

        table = Table("id", "prefix", "name", "role", "workspace", "created", "revoked")
        for k in items:
            revoked = k.revoked_at.isoformat()[:19] if k.revoked_at else ""
            table.add_row(
                k.id,
                k.prefix,
                k.name,
                k.role.value,
                k.workspace,
                k.created_at.isoformat()[:19],
                revoked,
            )
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
