"""The `crm` command."""

from __future__ import annotations

import sys

import typer

from cli import runtime
from cli.app import command_group
from cli.lazy import Lazy, lazy_group
from cli.output import JSON_OPTION, emit, stdout
from cli.runtime import run
from kernel import lifetime

# Every command but `init` and `demo`, imported when it runs (`crm --help` and completion show
# these help lines; tests/cli/test_cli_help.py checks them against the commands' own).
COMMANDS = {
    "summarize": Lazy(
        "cli.llm:summarize",
        "An LLM-written summary of how a contact engaged (profile and timeline).",
    ),
    "enrich": Lazy(
        "cli.enrich:enrich",
        "Fill in what contacts are missing. Safe to interrupt and re-run: done work is skipped.",
    ),
    "audit": Lazy(
        "cli.audit:audit",
        "Show the audit log, newest first. It holds key creation and revocation, exports, "
        "approvals, runs, pauses, deletions and workspace changes.",
    ),
    "serve": Lazy(
        "cli.serve:serve",
        "Serve the REST API (/api/v1, docs at /docs), landing pages and tracking links.",
    ),
    "worker": Lazy(
        "cli.schedules:worker",
        "Run due schedules until SIGTERM or Ctrl-C. The current work is then finished or "
        "handed back; each run's start, progress and end are logged on stderr.",
    ),
    "contacts": Lazy("cli.contacts:app", "Add, find, change, import and export contacts."),
    "companies": Lazy("cli.companies:app", "Companies and the contacts who work there."),
    "campaigns": Lazy(
        "cli.campaigns:app",
        "Create campaigns, generate and review their assets, approve and send them.",
    ),
    "segments": Lazy(
        "cli.segments:app", "Saved rules that select contacts (language: docs/segments.md)."
    ),
    "llm": Lazy("cli.llm:app", "The LLM gateway: recorded calls, tokens and cost."),
    "pages": Lazy("cli.pages:app", "Hosted landing pages."),
    "apikeys": Lazy("cli.apikeys:app", "API keys for `crm serve`."),
    "workspaces": Lazy("cli.workspaces:app", "Workspaces: one per team, client or brand."),
    "users": Lazy("cli.users:app", "People, their roles, invitations and password resets."),
    "schedules": Lazy(
        "cli.schedules:app",
        "Schedule campaign sends and enrichment runs; list, pause, resume and delete them.",
    ),
}

app = command_group(
    "AI-first campaign and enrichment toolkit: contacts, segments, campaigns.",
    name="crm",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=lazy_group(COMMANDS),
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
    """The `crm` executable: one command, then the process ends (kernel.lifetime)."""
    lifetime.runs_one_command()
    try:
        app()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    lifetime.end(code or 0)


if __name__ == "__main__":
    main()
