"""`crm pages …`: landing pages written from a campaign brief, published by `crm serve`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from cli.app import command_group
from cli.output import JSON_OPTION, emit, stderr, stdout
from cli.runtime import run
from landing_pages.preview import PREVIEW_SECONDS

app = command_group("Hosted landing pages.", no_args_is_help=True)


class TextFormat(StrEnum):
    YAML = "yaml"
    MARKDOWN = "markdown"


def _say(data: dict[str, Any]) -> None:
    if data["status"] == "published":
        stdout.print(f"Published page {data['slug']}: {data['url']}")
        return
    stdout.print(
        f"Draft page {data['slug']} (not public; after `crm pages publish {data['slug']}` "
        f"it is served at {data['url']})"
    )
    days = PREVIEW_SECONDS // 86400
    stdout.print(f"Preview (a signed link, expires in {days} days): {data['preview_url']}")


@app.command()
def generate(
    campaign: str = typer.Option(..., "--campaign", help="Campaign id."),
    slug: str = typer.Option(None, "--slug", help="Default: made from the headline."),
    publish: bool = typer.Option(
        False, "--publish", help="Publish it at once (only with --yes: review the draft first)."
    ),
    yes: bool = typer.Option(False, "--yes", help="Publish unseen, with --publish (scripts)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a landing page for a campaign with the LLM: a draft to review at its preview link,
    then `crm pages publish`."""
    from landing_pages.models import check_slug

    if slug is not None:
        try:
            slug = check_slug(slug)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--slug") from None

    page = run(lambda client: client.pages.generate(campaign, slug, publish and yes))
    if publish and not yes:
        stderr.print("Left as a draft: the LLM wrote it; look at it first (or pass --yes).")
    emit(page, as_json, _say)


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

    from cli.page_editor import as_yaml
    from llm_tools.landing_page import LandingPageSpec

    def say(page: dict[str, Any]) -> None:
        stdout.print(f"{page['title']} ({page['status']}, campaign {page['campaign'] or '-'})")
        _say(page)
        stdout.print(as_yaml(LandingPageSpec.model_validate(page["spec"])), markup=False)

    emit(run(lambda client: client.pages.show(ref)), as_json, say)


@app.command()
def edit(
    ref: str = typer.Argument(..., help="Slug or id."),
    fmt: TextFormat = typer.Option(
        TextFormat.YAML,
        "--format",
        help="yaml: every field; markdown: the sections as headings, paragraphs and lists, "
        "the other fields as YAML front matter.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Edit a page's text in $EDITOR (YAML or Markdown); a mistake re-opens it with the error."""
    from cli.page_editor import edit_spec
    from llm_tools.landing_page import LandingPageSpec

    page = run(lambda client: client.pages.show(ref))
    spec = edit_spec(LandingPageSpec.model_validate(page["spec"]), fmt.value)
    if spec is None:
        stderr.print("No change.")
        emit(page, as_json, lambda _: None)
        return
    emit(run(lambda client: client.pages.edit(ref, spec)), as_json, _say)
