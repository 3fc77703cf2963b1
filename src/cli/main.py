"""The `crm` command."""

from __future__ import annotations

import typer

from cli import (
    apikeys,
    audit,
    campaigns,
    companies,
    contacts,
    enrich,
    llm,
    pages,
    runtime,
    schedules,
    segments,
    serve,
    users,
    workspaces,
)
from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run

app = typer.Typer(
    name="crm",
    help="AI-first campaign and enrichment toolkit: contacts, segments, campaigns.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def options(
    api_url: str = typer.Option(
        None,
        "--api-url",
        help="Run commands through this crm server's REST API (with CRM_API_KEY). "
        "Default: CRM_API_URL, else the local `crm serve` if it holds the database.",
        show_default=False,
    ),
    workspace: str = typer.Option(
        None,
        "--workspace",
        "-w",
        help="The workspace to work in (id or name). Default: CRM_WORKSPACE, else main.",
        show_default=False,
    ),
    verbose: bool = typer.Option(
        False,
        "--verbose",
        "-v",
        help="Also print the log on stderr (it always goes to CRM_LOG_FILE, "
        "default crm.log in the data dir).",
    ),
) -> None:
    runtime.options.api_url = api_url
    runtime.options.verbose = verbose
    runtime.options.workspace = workspace


app.add_typer(contacts.app, name="contacts")
app.add_typer(companies.app, name="companies")
app.add_typer(campaigns.app, name="campaigns")
app.add_typer(segments.app, name="segments")
app.add_typer(llm.app, name="llm")
app.command("summarize")(llm.summarize)
app.command("enrich")(enrich.enrich)
app.add_typer(pages.app, name="pages")
app.add_typer(apikeys.app, name="apikeys")
app.command("audit")(audit.audit)
app.add_typer(workspaces.app, name="workspaces")
app.add_typer(users.app, name="users")
app.command("serve")(serve.serve)
app.add_typer(schedules.app, name="schedules")
app.command("worker")(schedules.worker)


@app.command()
def init(as_json: bool = JSON_OPTION) -> None:
    """Create the database, or bring its schema up to date."""
    result = run(lambda client: client.database.describe())
    emit(
        result,
        as_json,
        lambda r: stdout.print(
            f"Database ready: {r['database']} (schema version {r['schema_version']})"
        ),
    )


@app.command()
def demo(as_json: bool = JSON_OPTION) -> None:
    """Run the main job end to end on the embedded defaults, with sample data."""
    from cli.demo import run_demo

    run_demo(as_json)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
