"""`crm contacts …`"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from cli.app import command_group
from cli.options import FIELD_OPTION, TAG_OPTION, parse_fields, validated
from cli.output import JSON_OPTION, emit, fail, plain, show_progress, stderr, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from crm.contacts.models import Contact, Page, TimelineEvent

app = command_group("Add, find, change, import and export contacts.", no_args_is_help=True)


def contact_table(items: list[Contact]) -> None:
    from rich.table import Table

    table = Table("id", "email", "name", "company", "status", "tags")
    for c in items:
        name = " ".join(p for p in (c.first_name, c.last_name) if p)
        table.add_row(c.id, c.email, name, c.company_name or "", c.status, ", ".join(c.tags))
    stdout.print(table)


def _contact_details(contact: Contact, events: list[TimelineEvent] | None = None) -> None:
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    for key, value in contact.model_dump(exclude={"company", "enrichment"}).items():
        if value not in (None, [], {}):
            table.add_row(f"[bold]{key}[/bold]", plain(value))
    stdout.print(table, highlight=False)
    if contact.enrichment:
        provenance = Table(title="Enrichment", title_justify="left", title_style="bold")
        for column in ("field", "value", "replaced", "enricher", "confidence", "at", "reason"):
            provenance.add_column(column)
        for name, p in contact.enrichment.items():
            provenance.add_row(
                name,
                plain(p.value),
                plain(p.previous),
                p.enricher,
                f"{p.confidence:.2f}",
                plain(p.at),
                p.reason,
            )
        stdout.print()
        stdout.print(provenance, highlight=False)
    if events is not None:
        stdout.print("\n[bold]Timeline[/bold]")
        for e in events:
            detail = "; ".join(f"{k}: {plain(v)}" for k, v in e.data.items())
            stdout.print(f"  {e.at:%Y-%m-%d %H:%M:%S}  {e.kind:<15} {detail}", highlight=False)


@app.command()
def add(
    email: str = typer.Option(..., "--email", help="Email address (unique)."),
    first_name: str = typer.Option(None, "--first-name"),
    last_name: str = typer.Option(None, "--last-name"),
    company: str = typer.Option(None, "--company", help="Company name; created if new."),
    title: str = typer.Option(None, "--title"),
    phone: str = typer.Option(None, "--phone"),
    country: str = typer.Option(None, "--country"),
    city: str = typer.Option(None, "--city"),
    tag: list[str] = TAG_OPTION,
    field: list[str] = FIELD_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a contact."""
    from crm.contacts.models import ContactCreate

    data = validated(
        ContactCreate,
        email=email,
        first_name=first_name,
        last_name=last_name,
        company=company,
        title=title,
        phone=phone,
        country=country,
        city=city,
        tags=tag or None,
        custom=parse_fields(field),
        source="cli",
    )

    contact = run(lambda client: client.contacts.add(data))
    emit(contact, as_json, lambda c: stdout.print(f"Added contact {c.id} <{c.email}>"))


@app.command()
def show(
    ref: str = typer.Argument(..., help="Contact id or email."), as_json: bool = JSON_OPTION
) -> None:
    """Show a contact and its timeline."""

    contact, events = run(lambda client: client.contacts.history(ref))
    emit(
        {
            **contact.model_dump(mode="json"),
            "timeline": [e.model_dump(mode="json") for e in events],
        },
        as_json,
        lambda _: _contact_details(contact, events),
    )


@app.command()
def update(
    ref: str = typer.Argument(..., help="Contact id or email."),
    status: str = typer.Option(
        None,
        "--status",
        help="new, contacted, engaged, qualified, customer, unsubscribed or bounced.",
    ),
    email: str = typer.Option(None, "--email"),
    first_name: str = typer.Option(None, "--first-name"),
    last_name: str = typer.Option(None, "--last-name"),
    company: str = typer.Option(None, "--company"),
    title: str = typer.Option(None, "--title"),
    phone: str = typer.Option(None, "--phone"),
    country: str = typer.Option(None, "--country"),
    city: str = typer.Option(None, "--city"),
    tag: list[str] = typer.Option(None, "--tag", help="Add a tag (repeatable)."),
    untag: list[str] = typer.Option(None, "--untag", help="Remove a tag (repeatable)."),
    field: list[str] = FIELD_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a contact's fields or status (the status follows the lifecycle rules)."""
    from crm.contacts.models import ContactUpdate

    data = validated(
        ContactUpdate,
        status=status,
        email=email,
        first_name=first_name,
        last_name=last_name,
        company=company,
        title=title,
        phone=phone,
        country=country,
        city=city,
        custom=parse_fields(field),
    )
    contact = run(
        lambda client: client.contacts.update(ref, data, tag=tag or [], untag=untag or [])
    )
    emit(contact, as_json, lambda c: stdout.print(f"Updated contact {c.id} <{c.email}>"))


@app.command()
def delete(
    ref: str = typer.Argument(..., help="Contact id or email."), as_json: bool = JSON_OPTION
) -> None:
    """Delete a contact and its timeline."""

    deleted = run(lambda client: client.contacts.delete(ref))
    emit({"deleted": deleted}, as_json, lambda _: stdout.print(f"Deleted contact {deleted}"))


@app.command("list")
def list_(
    segment: str = typer.Option(None, "--segment", help="Only this segment's members."),
    tag: str = typer.Option(None, "--tag"),
    status: str = typer.Option(None, "--status"),
    company: str = typer.Option(None, "--company", help="Company id, domain or name."),
    search: str = typer.Option(None, "--search", help="Text in email or name."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    cursor: str = typer.Option(None, "--cursor", help="next_cursor of the previous page."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List contacts, a page at a time, in a stable order."""
    page = run(
        lambda client: client.contacts.list_page(
            segment=segment,
            tag=tag,
            status=status,
            company=company,
            search=search,
            cursor=cursor,
            limit=limit,
        )
    )

    def render(p: Page) -> None:
        contact_table(p.items)
        if p.next_cursor:
            # The next page of the same list: the hint repeats the filters and the page size.
            filters = {
                "--segment": segment,
                "--tag": tag,
                "--status": status,
                "--company": company,
                "--search": search,
                "--limit": str(limit),
            }
            again = " ".join(f"{k} {shlex.quote(v)}" for k, v in filters.items() if v)
            stdout.print(
                f"More: crm contacts list {again} --cursor {p.next_cursor}",
                highlight=False,
                soft_wrap=True,
            )

    emit(page, as_json, render)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    on_duplicate: Literal["skip", "update", "error"] = typer.Option(
        "skip", "--on-duplicate", help="skip, update or error for emails already there."
    ),
    tag: list[str] = typer.Option(None, "--tag", help="Tag every imported contact."),
    map_: list[str] = typer.Option(
        None, "--map", help="COLUMN=FIELD (field, custom.NAME or ignore); repeatable."
    ),
    errors: Path | None = typer.Option(None, "--errors", help="Write failed rows to this CSV."),
    encoding: str = typer.Option(
        None, "--encoding", help="Default: detected (utf-8, utf-16 or latin-1)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import contacts from a CSV file. Bad rows are reported; good rows always land."""
    from crm.contacts.csv_format import parse_map
    from crm.contacts.importer import ImportOptions, ImportReport, OnDuplicate
    from kernel.errors import CRMError

    try:
        options = ImportOptions(
            on_duplicate=OnDuplicate(on_duplicate),
            tags=tag or [],
            column_map=parse_map(map_ or []),
            encoding=encoding,
            errors_file=errors,
        )
    except CRMError as exc:
        raise fail(exc.message) from None

    progress = _progress(f"Importing {file.name}")
    report = run(lambda client: client.contacts.import_csv(file, options, progress))

    def render(r: ImportReport) -> None:
        stdout.print(
            f"read {r.read}, created {r.created}, updated {r.updated}, "
            f"skipped {r.skipped}, failed {r.failed}"
        )
        for e in r.errors[:20]:
            stderr.print(f"  line {e.line}: {e.reason}", highlight=False)
        if r.failed > 20:
            stderr.print(
                f"  … {r.failed - 20} more"
                + (f" (all in {errors})" if errors else "; use --errors FILE to get them all")
            )

    emit(report.as_dict(), as_json, lambda _: render(report))


@app.command()
def export(
    file: Path = typer.Argument(..., dir_okay=False),
    segment: str = typer.Option(None, "--segment"),
    raw: bool = typer.Option(
        False,
        "--raw",
        help="Values exactly as stored, for programs (default: cells a spreadsheet would run "
        "as formulas get a leading ').",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Export contacts to CSV (importable again with `crm contacts import`)."""

    count = run(lambda client: client.contacts.export(file, segment, raw=raw))
    emit({"exported": count}, as_json, lambda _: stdout.print(f"Exported {count} to {file}"))


class _progress:
    """A byte-based progress bar on a terminal; a no-op callback otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not show_progress():
            return None
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        self.bar = Progress(
            "{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=stderr,
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task(self.label, total=None)
        return lambda done, total: self.bar.update(task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
