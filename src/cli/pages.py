"""`crm pages …`: landing pages written from a campaign brief, published by `crm serve`."""

from __future__ import annotations

from typing import Any

import typer

from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run

app = typer.Typer(help="Hosted landing pages.", no_args_is_help=True)


def _say(data: dict[str, Any]) -> None:
    stdout.print(f"{data['status'].capitalize()} page {data['slug']}: {data['url']}")


@app.command()
def generate(
    campaign: str = typer.Option(..., "--campaign", help="Campaign id."),
    slug: str = typer.Option(None, "--slug", help="Default: made from the headline."),
    publish: bool = typer.Option(False, "--publish", help="Publish it at once."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a landing page for a campaign with the LLM (a draft unless --publish)."""
    from landing_pages.models import check_slug

    if slug is not None:
        try:
            slug = check_slug(slug)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--slug") from None

    emit(run(lambda client: client.pages.generate(campaign, slug, publish)), as_json, _say)


@app.command()
def publish(
    ref: str = typer.Argument(..., help="Slug or id."), as_json: bool = JSON_OPTION
) -> None:
    """Publish a page (served at /lp/SLUG by `crm serve`)."""
    emit(run(lambda client: client.pages.publish(ref)), as_json, _say)


@app.command()
def unpublish(
    ref: str = typer.Argument(..., help="Slug or id."), as_json: bool = JSON_OPTION
) -> None:
    """Take a page down (it stays as a draft)."""
    emit(run(lambda client: client.pages.unpublish(ref)), as_json, _say)


@app.command("list")
def list_(
    campaign: str = typer.Option(None, "--campaign"),
    as_json: bool = JSON_OPTION,
) -> None:
    """List pages, newest first."""

    pages = run(lambda client: client.pages.list_pages(campaign))

    def show(items: list[dict[str, Any]]) -> None:
        from rich.table import Table

        table = Table("slug", "status", "title", "campaign", "url")
        for p in items:
            table.add_row(p["slug"], p["status"], p["title"], p["campaign"] or "", p["url"])
        stdout.print(table)

    emit(pages, as_json, show)


@app.command()
def show(ref: str = typer.Argument(..., help="Slug or id."), as_json: bool = JSON_OPTION) -> None:
    """A page's record and spec."""

    page = run(lambda client: client.pages.show(ref))
    emit(page, as_json, lambda p: stdout.print_json(p.model_dump_json()))
