"""`crm companies …`"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.contacts import FIELD_OPTION, parse_fields, validated
from cli.output import JSON_OPTION, emit, stdout
from cli.remote import seg
from cli.runtime import run

if TYPE_CHECKING:
    from cli.remote import Remote
    from crm.companies.models import Company
    from crm.contacts.models import Contact
    from crm.db import Database

app = typer.Typer(help="Companies and the contacts who work there.", no_args_is_help=True)


def _print_companies(items: list[Company]) -> None:
    from rich.table import Table

    table = Table("id", "name", "domain", "industry", "size", "country")
    for c in items:
        table.add_row(
            c.id, c.name, c.domain or "", c.industry or "", str(c.size or ""), c.country or ""
        )
    stdout.print(table)


def _company(data: object) -> Company:
    from crm.companies.models import Company

    return Company.model_validate(data)


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

    async def work(db: Database) -> Company:
        from crm.companies import service

        return await service.add(db, data)

    def remote(api: Remote) -> Company:
        return _company(api.post("companies", data.model_dump(mode="json", exclude_unset=True)))

    company = run(work, remote)
    emit(company, as_json, lambda c: stdout.print(f"Added company {c.id} ({c.name})"))


@app.command("list")
def list_(
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    cursor: str = typer.Option(None, "--cursor"),
    as_json: bool = JSON_OPTION,
) -> None:
    """List companies."""

    async def work(db: Database) -> tuple[list[Company], str | None]:
        from crm.companies import service

        return await service.list_page(db, cursor=cursor, limit=limit)

    def remote(api: Remote) -> tuple[list[Company], str | None]:
        found = api.get("companies", limit=limit, cursor=cursor)
        return [_company(c) for c in found["items"]], found["next_cursor"]

    items, next_cursor = run(work, remote)
    emit({"items": items, "next_cursor": next_cursor}, as_json, lambda _: _print_companies(items))


@app.command()
def show(
    ref: str = typer.Argument(..., help="Company id, domain or name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a company and its contacts (first 100)."""

    async def work(db: Database) -> tuple[Company, list[Contact]]:
        from crm.companies import service
        from crm.contacts import service as contacts
        from crm.contacts.repository import ContactFilter

        company = await service.require(db, ref)
        page = await contacts.list_page(db, ContactFilter(company=company.id), limit=100)
        return company, page.items

    def remote(api: Remote) -> tuple[Company, list[Contact]]:
        from crm.contacts.models import Page

        company = _company(api.get(f"companies/{seg(ref)}"))
        page = Page.model_validate(api.get(f"companies/{seg(company.id)}/contacts", limit=100))
        return company, page.items

    company, members = run(work, remote)

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

    async def work(db: Database) -> Company:
        from crm.companies import service

        return await service.update(db, ref, data)

    def remote(api: Remote) -> Company:
        changes = data.model_dump(mode="json", exclude_unset=True)
        return _company(api.patch(f"companies/{seg(ref)}", changes))

    company = run(work, remote)
    emit(company, as_json, lambda c: stdout.print(f"Updated company {c.id} ({c.name})"))


@app.command()
def delete(
    ref: str = typer.Argument(..., help="Company id, domain or name."), as_json: bool = JSON_OPTION
) -> None:
    """Delete a company; its contacts stay, unlinked."""

    async def work(db: Database) -> str:
        from crm.companies import service

        company = await service.require(db, ref)
        await service.delete(db, company.id)
        return company.id

    deleted = run(work, lambda api: api.delete("companies", ref))
    emit({"deleted": deleted}, as_json, lambda _: stdout.print(f"Deleted company {deleted}"))
