"""`crm pages …`: landing pages written from a campaign brief, published by `crm serve`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from crm.db import Database
    from landing_pages.models import LandingPage

app = typer.Typer(help="Hosted landing pages.", no_args_is_help=True)


def _out(page: LandingPage) -> dict[str, Any]:
    from crm.settings import load_settings

    url = f"{load_settings().base_url.rstrip('/')}/lp/{page.slug}"
    return {"id": page.id, "slug": page.slug, "status": page.status.value, "url": url} | {
        "title": page.title,
        "campaign": page.campaign,
    }


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

    async def work(db: Database) -> LandingPage:
        from campaigns import service as campaigns
        from crm.llm_calls.service import gateway
        from landing_pages import service
        from landing_pages.models import PageBrief

        brief = PageBrief.from_campaign(await campaigns.require(db, campaign))
        return await service.generate(db, brief, gateway(db), slug=slug, publish=publish)

    emit(_out(run(work)), as_json, _say)


@app.command()
def publish(
    ref: str = typer.Argument(..., help="Slug or id."), as_json: bool = JSON_OPTION
) -> None:
    """Publish a page (served at /lp/SLUG by `crm serve`)."""

    async def work(db: Database) -> LandingPage:
        from landing_pages import service
        from landing_pages.models import PageStatus

        return await service.set_status(db, ref, PageStatus.PUBLISHED)

    emit(_out(run(work)), as_json, _say)


@app.command()
def unpublish(
    ref: str = typer.Argument(..., help="Slug or id."), as_json: bool = JSON_OPTION
) -> None:
    """Take a page down (it stays as a draft)."""

    async def work(db: Database) -> LandingPage:
        from landing_pages import service
        from landing_pages.models import PageStatus

        return await service.set_status(db, ref, PageStatus.DRAFT)

    emit(_out(run(work)), as_json, _say)


@app.command("list")
def list_(
    campaign: str = typer.Option(None, "--campaign"),
    as_json: bool = JSON_OPTION,
) -> None:
    """List pages, newest first."""

    async def work(db: Database) -> list[LandingPage]:
        from landing_pages import service

        return await service.list_pages(db, campaign=campaign)

    pages = [_out(p) for p in run(work)]

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

    async def work(db: Database) -> LandingPage:
        from landing_pages import service

        return await service.require(db, ref)

    page = run(work)
    emit(
        page,
        as_json,
        lambda p: stdout.print_json(p.model_dump_json()),
    )
