"""`crm companies …`"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.app import command_group
from cli.options import FIELD_OPTION, parse_fields, validated
from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from crm.companies.models import Company

app = command_group("Companies and the contacts who work there.", no_args_is_help=True)


def _print_companies(items: list[Company]) -> None:
    from rich.table import Table

    table = Table("id", "name", "domain", "industry", "size", "country")
    for c in items:
        table.add_row(
            c.id, c.name, c.domain or "", c.industry or "", str(c.size or ""), c.country or ""
        )
    stdout.print(table)


@app.command()
def add(
    name: str = typer.Option(..., "--name"),
    domain: str = typer.Option(None, "--domain", help="Unique, e.g. acme.com."),
    industry: str = typer.Option(None, "--industry"),
    size: int = typer.Option(None, "--size", help="Number of employees."),
    country: str = typer.Option(None, "--country"),
    city: str = typer.Option(None, "--city"),
    field: list[str] = FIELD_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a company."""
    from crm.companies.models import CompanyCreate

    data = validated(
        CompanyCreate,
        name=name,
        domain=domain,
        industry=industry,
        size=size,
        country=country,
        city=city,
        custom=parse_fields(field),
    )

    company = run(lambda client: client.companies.add(data))
    emit(company, as_json, lambda c: stdout.print(f"Added company {c.id} ({c.name})"))


@app.command("list")
def list_(
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    cursor: str = typer.Option(None, "--cursor"),
    as_json: bool = JSON_OPTION,
) -> None:
    """List companies."""

    items, next_cursor = run(lambda client: client.companies.list_page(cursor, limit))
    emit({"items": items, "next_cursor": next_cursor}, as_json, lambda _: _print_companies(items))


@app.command()
def show(
    ref: str = typer.Argument(..., help="Company id, domain or name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a company and its contacts (first 100)."""

    company, members = run(lambda client: client.companies.show(ref))

    def render(_: object) -> None:
        _print_companies([company])
        stdout.print(f"\n[bold]Contacts[/bold] ({len(members)})")
        for c in members:
            stdout.print(f"  {c.id}  {c.email}", highlight=False)

    emit(
        {
            **company.model_dump(mode="json"),
            "contacts": [c.model_dump(mode="json") for c in members],
        },
        as_json,
        render,
    )


@app.command()
def update(
    ref: str = typer.Argument(..., help="Company id, domain or name."),
    name: str = typer.Option(None, "--name"),
    domain: str = typer.Option(None, "--domain"),
    industry: str = typer.Option(None, "--industry"),
    size: int = typer.Option(None, "--size"),
    country: str = typer.Option(None, "--country"),
    city: str = typer.Option(None, "--city"),
    field: list[str] = FIELD_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a company."""
    from crm.companies.models import CompanyUpdate

    data = validated(
        CompanyUpdate,
        name=name,
        domain=domain,
        industry=industry,
        size=size,
        country=country,
        city=city,
        custom=parse_fields(field),
    )

    company = run(lambda client: client.companies.update(ref, data))
    emit(company, as_json, lambda c: stdout.print(f"Updated company {c.id} ({c.name})"))


@app.command()
def delete(
    ref: str = typer.Argument(..., help="Company id, domain or name."), as_json: bool = JSON_OPTION
) -> None:
    """Delete a company; its contacts stay, unlinked."""

    deleted = run(lambda client: client.companies.delete(ref))
    emit({"deleted": deleted}, as_json, lambda _: stdout.print(f"Deleted company {deleted}"))
