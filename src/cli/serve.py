"""`crm serve`: the REST API, hosted landing pages and tracking (uvicorn, one process)."""

from __future__ import annotations

import typer

from cli.output import fail
from kernel.processes import alive

AFTER_POLL = 0.02


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="0: any free port."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
    worker: bool = typer.Option(
        False, "--worker", help="Also run due schedules in this process (like `crm worker`)."
    ),
    keep_open: float = typer.Option(
        0.0, "--keep-open", hidden=True, help="Stop after this many idle seconds."
    ),
    after: int = typer.Option(
        0, "--after", hidden=True, help="Open the database once this process has ended."
    ),
) -> None:
    """Serve the REST API (/api/v1, docs at /docs), landing pages and tracking links.

    The embedded database is held by this process while it runs; other `crm` commands on this
    machine then go through its API.
    """
    run_server(host, port, access_log=access_log, worker=worker, keep_open=keep_open, after=after)


def run_server(
    host: str,
    port: int,
    *,
    access_log: bool,
    worker: bool,
    keep_open: float = 0.0,
    after: int = 0,
) -> None:
    """Serve the app until SIGTERM or Ctrl-C (port 0: any free port), announcing its URL to
    the other `crm` commands when it holds an embedded database. `keep_open`: the CLI's
    background server (cli.client.keep_open), which stops when idle that long or asked to;
    it opens the database once the command that started it (`after`) has ended."""
    import asyncio
    import socket
    import time

    import uvicorn

    from api.app import create_app
    from cli.client.keep_open import release_held, serve_until_idle
    from kernel.logs import configure
    from kernel.settings import load_settings

    settings = load_settings()
    if not keep_open:
        release_held(settings)
    configure(settings.log_level, file=settings.log_path, to_stderr=True)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    url = f"http://{shown_host}:{sock.getsockname()[1]}"
    app = create_app(settings, server_url=url, worker=worker, kept_open=bool(keep_open))
    # One process: the embedded database allows one at a time (use a SurrealDB server and any
    # ASGI runner with `api.app:create_app` to scale out).
    server = uvicorn.Server(uvicorn.Config(app, access_log=access_log, log_level="info"))
    while after and alive(after):  # loaded meanwhile: the file is the command's until it ends
        time.sleep(AFTER_POLL)
    with sock:
        if keep_open:
            asyncio.run(serve_until_idle(server, sock, app.state.crm.jobs, keep_open))
        else:
            server.run(sockets=[sock])
    if not server.started:  # startup failed (e.g. the database is locked)
        raise fail("the server could not start (see the messages above)")
