"""`crm segments …`"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from cli.app import command_group
from cli.contacts import contact_table
from cli.options import validated
from cli.output import JSON_OPTION, count_of, emit, fail, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from crm.segments.models import Segment

app = command_group(
    "Saved rules that select contacts (language: docs/segments.md).", no_args_is_help=True
)

RULE_HELP = 'A rule, e.g. \'country in ["DE","AT"] and tags contains "vip"\', or its JSON form.'
NAME_ARGUMENT = typer.Argument(None, help="Segment name or id.", show_default=False)
RULE_OPTION = typer.Option(None, "--rule", help="Use this rule instead of a saved segment.")


def _target(name: str | None, rule: str | None) -> tuple[str | None, str | None]:
    if (name is None) == (rule is None):
        raise fail("give a segment name or --rule RULE (one of them)")
    return name, rule


def _segment_table(items: list[Segment]) -> None:
    from rich.table import Table

    table = Table("id", "name", "rule", "description")
    for s in items:
        table.add_row(s.id, s.name, str(s.rule), s.description or "")
    stdout.print(table)


def _segment_details(segment: Segment) -> None:
    stdout.print(f"[bold]{segment.name}[/bold] ({segment.id})", highlight=False)
    if segment.description:
        stdout.print(segment.description, highlight=False)
    stdout.print(f"rule: {segment.rule}", highlight=False)


@app.command()
def create(
    name: str = typer.Argument(..., help="A unique name."),
    rule: str = typer.Option(..., "--rule", help=RULE_HELP),
    description: str = typer.Option(None, "--description"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Save a segment. The rule is checked now; errors show the column they are at."""
    from crm.segments.models import SegmentCreate

    data = validated(SegmentCreate, name=name, rule=rule, description=description)
    segment = run(lambda client: client.segments.create(data))
    emit(segment, as_json, lambda s: stdout.print(f"Created segment {s.name!r} ({s.id})"))


@app.command()
def update(
    name: str = typer.Argument(..., help="Segment name or id."),
    rule: str = typer.Option(None, "--rule", help=RULE_HELP),
    new_name: str = typer.Option(None, "--name", help="Rename the segment."),
    description: str = typer.Option(None, "--description"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a segment's rule, name or description."""
    from crm.segments.models import SegmentUpdate

    data = validated(SegmentUpdate, name=new_name, rule=rule, description=description)
    segment = run(lambda client: client.segments.update(name, data))
    emit(segment, as_json, lambda s: stdout.print(f"Updated segment {s.name!r}"))


@app.command("list")
def list_(as_json: bool = JSON_OPTION) -> None:
    """List the saved segments."""

    segments = run(lambda client: client.segments.list_all())
    emit({"items": segments}, as_json, lambda _: _segment_table(segments))


@app.command()
def show(
    name: str = typer.Argument(..., help="Segment name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Show a segment, its rule and its snapshots."""

    segment, snapshots = run(lambda client: client.segments.show(name))

    def render(_: Any) -> None:
        _segment_details(segment)
        for snap in snapshots:
            stdout.print(
                f"snapshot {snap.id}: {snap.count} contacts at {snap.taken_at:%Y-%m-%d %H:%M}"
            )

    emit({**segment.model_dump(mode="json"), "snapshots": snapshots}, as_json, render)


@app.command()
def count(name: str = NAME_ARGUMENT, rule: str = RULE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """How many contacts a segment (or --rule) selects right now."""
    ref, adhoc = _target(name, rule)
    n = run(lambda client: client.segments.count(ref, adhoc))
    emit({"count": n}, as_json, lambda _: stdout.print(count_of(n, "contact")))


@app.command()
def preview(
    name: str = NAME_ARGUMENT,
    rule: str = RULE_OPTION,
    limit: int = typer.Option(20, "--limit", help="How many members to show."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The first members of a segment (or --rule) and how many there are."""
    ref, adhoc = _target(name, rule)
    items, total = run(lambda client: client.segments.preview(ref, adhoc, limit))

    def render(_: Any) -> None:
        contact_table(items)
        stdout.print(f"{total} contacts in all")

    emit({"items": items, "count": total}, as_json, render)


@app.command()
def snapshot(
    name: str = typer.Argument(..., help="Segment name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Freeze the segment's current members (campaigns do this when they start)."""

    snap = run(lambda client: client.segments.snapshot(name))
    emit(snap, as_json, lambda s: stdout.print(f"Snapshot {s.id}: {count_of(s.count, 'contact')}"))


@app.command()
def delete(
    name: str = typer.Argument(..., help="Segment name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Delete a segment (its snapshots stay)."""

    run(lambda client: client.segments.delete(name))
    emit({"deleted": name}, as_json, lambda _: stdout.print(f"Deleted segment {name!r}"))
