"""`crm serve`: the REST API, hosted landing pages and tracking (uvicorn, one process)."""

from __future__ import annotations

import typer

from cli.output import fail


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
    worker: bool = typer.Option(
        False, "--worker", help="Also run due schedules in this process (like `crm worker`)."
    ),
) -> None:
    """Serve the REST API (/api/v1, docs at /docs), landing pages and tracking links.

    The embedded database is held by this process while it runs; other `crm` commands on this
    machine then go through its API.
    """
    import uvicorn

    from api.app import create_app
    from kernel.logs import configure
    from kernel.settings import load_settings

    settings = load_settings()
    configure(settings.log_level, file=settings.log_path, to_stderr=True)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    url = f"http://{shown_host}:{port}"
    app = create_app(settings, server_url=url, worker=worker)
    try:
        # One process: the embedded database allows one at a time (use a SurrealDB server and
        # any ASGI runner with `api.app:create_app` to scale out).
        uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info")
    except SystemExit as exc:  # uvicorn exits when startup fails (e.g. the database is locked)
        if exc.code:
            raise fail("the server could not start (see the messages above)") from None
