"""`crm segments …`"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from cli.output import JSON_OPTION, count_of, emit, stdout
from cli.remote import seg
from cli.runtime import fail, run

if TYPE_CHECKING:
    from cli.remote import Remote
    from crm.contacts.models import Contact
    from crm.db import Database
    from crm.segments.models import Segment, Snapshot

app = typer.Typer(
    help="Saved rules that select contacts (language: docs/segments.md).", no_args_is_help=True
)

RULE_HELP = 'A rule, e.g. \'country in ["DE","AT"] and tags contains "vip"\', or its JSON form.'
NAME_ARGUMENT = typer.Argument(None, help="Segment name or id.", show_default=False)
RULE_OPTION = typer.Option(None, "--rule", help="Use this rule instead of a saved segment.")


def _target(name: str | None, rule: str | None) -> tuple[str | None, str | None]:
    if (name is None) == (rule is None):
        raise fail("give a segment name or --rule RULE (one of them)")
    return name, rule


def _segment(data: object) -> Segment:
    from crm.segments.models import Segment

    return Segment.model_validate(data)


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
    from cli.contacts import validated
    from crm.segments.models import SegmentCreate

    data = validated(SegmentCreate, name=name, rule=rule, description=description)

    async def work(db: Database) -> Segment:
        from crm.segments import service

        return await service.create(db, data)

    def remote(api: Remote) -> Segment:
        return _segment(api.post("segments", data.model_dump(mode="json", exclude_unset=True)))

    segment = run(work, remote)
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
    from cli.contacts import validated
    from crm.segments.models import SegmentUpdate

    data = validated(SegmentUpdate, name=new_name, rule=rule, description=description)

    async def work(db: Database) -> Segment:
        from crm.segments import service

        return await service.update(db, name, data)

    def remote(api: Remote) -> Segment:
        changes = data.model_dump(mode="json", exclude_unset=True)
        return _segment(api.patch(f"segments/{seg(name)}", changes))

    segment = run(work, remote)
    emit(segment, as_json, lambda s: stdout.print(f"Updated segment {s.name!r}"))


@app.command("list")
def list_(as_json: bool = JSON_OPTION) -> None:
    """List the saved segments."""

    async def work(db: Database) -> list[Segment]:
        from crm.segments import service

        return await service.list_all(db)

    def remote(api: Remote) -> list[Segment]:
        return [_segment(s) for s in api.get("segments")["items"]]

    segments = run(work, remote)
    emit({"items": segments}, as_json, lambda _: _segment_table(segments))


@app.command()
def show(
    name: str = typer.Argument(..., help="Segment name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Show a segment, its rule and its snapshots."""

    async def work(db: Database) -> tuple[Segment, list[Snapshot]]:
        from crm.segments import service

        return await service.require(db, name), await service.snapshots(db, name)

    def remote(api: Remote) -> tuple[Segment, list[Snapshot]]:
        from crm.segments.models import Snapshot

        found = api.get(f"segments/{seg(name)}/snapshots")["items"]
        segment = _segment(api.get(f"segments/{seg(name)}"))
        return segment, [Snapshot.model_validate(s) for s in found]

    segment, snapshots = run(work, remote)

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

    async def work(db: Database) -> int:
        from crm.segments import service

        return await service.count(db, ref, rule=adhoc)

    def remote(api: Remote) -> int:
        if ref is None:
            return int(api.post("segments/preview", {"rule": adhoc}, limit=1)["count"])
        return int(api.get(f"segments/{seg(ref)}/count")["count"])

    n = run(work, remote)
    emit({"count": n}, as_json, lambda _: stdout.print(count_of(n, "contact")))


@app.command()
def preview(
    name: str = NAME_ARGUMENT,
    rule: str = RULE_OPTION,
    limit: int = typer.Option(20, "--limit", help="How many members to show."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The first members of a segment (or --rule) and how many there are."""
    from cli.contacts import _contact_table

    ref, adhoc = _target(name, rule)

    async def work(db: Database) -> tuple[list[Contact], int]:
        from crm.segments import service

        return await service.preview(db, ref, rule=adhoc, limit=limit)

    def remote(api: Remote) -> tuple[list[Contact], int]:
        from crm.contacts.models import Page

        if ref is None:
            found = api.post("segments/preview", {"rule": adhoc}, limit=limit)
        else:
            found = api.get(f"segments/{seg(ref)}/preview", limit=limit)
        return Page.model_validate(found).items, int(found["count"])

    items, total = run(work, remote)

    def render(_: Any) -> None:
        _contact_table(items)
        stdout.print(f"{total} contacts in all")

    emit({"items": items, "count": total}, as_json, render)


@app.command()
def snapshot(
    name: str = typer.Argument(..., help="Segment name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Freeze the segment's current members (campaigns do this when they start)."""

    async def work(db: Database) -> Snapshot:
        from crm.segments import service

        return await service.snapshot(db, name)

    snap = run(work)
    emit(snap, as_json, lambda s: stdout.print(f"Snapshot {s.id}: {count_of(s.count, 'contact')}"))


@app.command()
def delete(
    name: str = typer.Argument(..., help="Segment name or id."), as_json: bool = JSON_OPTION
) -> None:
    """Delete a segment (its snapshots stay)."""

    async def work(db: Database) -> None:
        from crm.segments import service

        await service.delete(db, name)

    run(work, lambda api: api.request("DELETE", f"segments/{seg(name)}"))
    emit({"deleted": name}, as_json, lambda _: stdout.print(f"Deleted segment {name!r}"))
