"""`crm pages …`: landing pages written from a campaign brief, published by `crm serve`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from cli.output import JSON_OPTION, emit, stdout
from cli.remote import seg
from cli.runtime import run

if TYPE_CHECKING:
    from cli.remote import Remote
    from crm.db import Database
    from landing_pages.models import LandingPage

app = typer.Typer(help="Hosted landing pages.", no_args_is_help=True)


def _out(page: LandingPage, url: str | None = None) -> dict[str, Any]:
    """What the commands print; `url` as the server gave it, else from CRM_BASE_URL."""
    if url is None:
        from kernel.settings import load_settings

        url = f"{load_settings().base_url.rstrip('/')}/lp/{page.slug}"
    return {"id": page.id, "slug": page.slug, "status": page.status.value, "url": url} | {
        "title": page.title,
        "campaign": page.campaign,
    }


def _remote_out(found: dict[str, Any]) -> dict[str, Any]:
    from landing_pages.models import LandingPage

    return _out(LandingPage.model_validate(found), found["url"])


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

    async def work(db: Database) -> dict[str, Any]:
        from campaigns import service as campaigns
        from crm.llm_calls.service import gateway
        from landing_pages import service
        from landing_pages.models import PageBrief

        brief = PageBrief.from_campaign(await campaigns.require(db, campaign))
        return _out(await service.generate(db, brief, gateway(db), slug=slug, publish=publish))

    def remote(api: Remote) -> dict[str, Any]:
        job = api.post(
            "landing-pages/generate", {"campaign": campaign, "slug": slug, "publish": publish}
        )
        return _remote_out(api.wait(job))

    emit(run(work, remote), as_json, _say)


def _set_status(ref: str, action: str, as_json: bool) -> None:
    """`action`: publish or unpublish (a draft again)."""

    async def work(db: Database) -> dict[str, Any]:
        from landing_pages import service
        from landing_pages.models import PageStatus

        status = PageStatus.PUBLISHED if action == "publish" else PageStatus.DRAFT
        return _out(await service.set_status(db, ref, status))

    def remote(api: Remote) -> dict[str, Any]:
        return _remote_out(api.post(f"landing-pages/{seg(ref)}/{action}"))

    emit(run(work, remote), as_json, _say)


@app.command()
def publish(
    ref: str = typer.Argument(..., help="Slug or id."), as_json: bool = JSON_OPTION
) -> None:
    """Publish a page (served at /lp/SLUG by `crm serve`)."""
    _set_status(ref, "publish", as_json)


@app.command()
def unpublish(
    ref: str = typer.Argument(..., help="Slug or id."), as_json: bool = JSON_OPTION
) -> None:
    """Take a page down (it stays as a draft)."""
    _set_status(ref, "unpublish", as_json)


@app.command("list")
def list_(
    campaign: str = typer.Option(None, "--campaign"),
    as_json: bool = JSON_OPTION,
) -> None:
    """List pages, newest first."""

    async def work(db: Database) -> list[dict[str, Any]]:
        from landing_pages import service

        return [_out(p) for p in await service.list_pages(db, campaign=campaign)]

    def remote(api: Remote) -> list[dict[str, Any]]:
        return [_remote_out(p) for p in api.get("landing-pages", campaign=campaign)]

    pages = run(work, remote)

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

    def remote(api: Remote) -> LandingPage:
        from landing_pages.models import LandingPage

        return LandingPage.model_validate(api.get(f"landing-pages/{seg(ref)}"))

    page = run(work, remote)
    emit(
        page,
        as_json,
        lambda p: stdout.print_json(p.model_dump_json()),
    )
