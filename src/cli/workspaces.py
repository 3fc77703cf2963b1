"""`crm workspaces …`: separate sets of contacts, segments, campaigns and pages, each in a
database of its own."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from cli.app import command_group
from cli.output import JSON_OPTION, emit, fail, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from accounts.workspaces.models import Workspace

app = command_group("Workspaces: one per team, client or brand.", no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Argument(..., help="Its name, unique whatever the case."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a workspace (work in it with `crm --workspace NAME …` or CRM_WORKSPACE)."""

    made = run(lambda client: client.workspaces.create(name))
    emit(made, as_json, lambda w: stdout.print(f"Created workspace {w.name} (id {w.id})"))


@app.command("list")
def list_(as_json: bool = JSON_OPTION) -> None:
    """List workspaces."""

    found = run(lambda client: client.workspaces.list_workspaces())

    def show(items: list[Workspace]) -> None:
        from rich.table import Table

        table = Table("id", "name", "created")
        for w in items:
            table.add_row(w.id, w.name, w.created_at.isoformat()[:19])
        stdout.print(table)

    emit(found, as_json, show)


@app.command()
def rename(
    ref: str = typer.Argument(..., help="Workspace id or name."),
    name: str = typer.Argument(..., help="The new name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Rename a workspace (its id, links and keys stay)."""

    renamed = run(lambda client: client.workspaces.rename(ref, name))
    emit(renamed, as_json, lambda w: stdout.print(f"Renamed workspace {w.id} to {w.name}"))


@app.command()
def delete(
    ref: str = typer.Argument(..., help="Workspace id or name."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Delete a workspace with all its data, keys and memberships. Refused while one of its
    campaigns runs."""

    if not yes:
        found = run(lambda client: client.workspaces.get(ref))
        question = f"Delete workspace {found.name} ({found.id}) and everything in it?"
        if not typer.confirm(question, default=False, err=True):
            raise fail("nothing deleted")
    gone = run(lambda client: client.workspaces.delete(ref))
    emit(
        {"id": gone.id, "name": gone.name, "deleted": True},
        as_json,
        lambda _: stdout.print(f"Deleted workspace {gone.name} ({gone.id})"),
    )


class Switch(StrEnum):
    ON = "on"
    OFF = "off"


@app.command("set")
def set_(
    ref: str = typer.Argument(..., help="Workspace id or name."),
    four_eyes: Switch = typer.Option(
        ...,
        "--four-eyes",
        help="on: a campaign's approver must differ from whoever last edited its assets.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a workspace's settings."""

    changed = run(lambda client: client.workspaces.set_four_eyes(ref, four_eyes is Switch.ON))
    emit(
        changed,
        as_json,
        lambda w: stdout.print(
            f"Workspace {w.name}: four-eyes rule {'on' if w.four_eyes else 'off'}",
            highlight=False,
        ),
    )
