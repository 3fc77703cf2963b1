"""A large embedded database kept open between commands.

Opening an embedded file reads all of it (seconds at 100,000 contacts), so after a command
that opened a large one, the CLI starts `crm serve --keep-open` in the background: it holds
the file, announces itself like any local `crm serve`, and the next commands go through its
API (they no longer open the file). It stops after `CRM_KEEP_OPEN` seconds without a request
or a job, and steps aside for a command that needs the file itself (SIGUSR1: it exits when no
job runs), for `crm serve` and for `crm worker`. The lock stays with one process at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from api import server_info
from cli.client.http import Target
from cli.output import fail, stderr
from crm.db import embedded_file
from kernel.processes import alive
from kernel.settings import Settings

if TYPE_CHECKING:
    import uvicorn

    from api.jobs import Jobs

RELEASE_WAIT = 30.0
POLL = 0.05
IDLE_CHECK = 1.0


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def start(settings: Settings) -> None:
    """While a command holds the embedded file here: keep it open after it when it is large.
    The server loads while the command runs and takes the file once the command has ended."""
    path = embedded_file(settings.database_url)
    if path is None or settings.keep_open <= 0 or not path.exists():
        return
    if size_of(path) < settings.keep_open_from_mb * 1_000_000:
        return
    command = [sys.executable, "-m", "cli.main", "serve", "--port", "0"]
    process = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--keep-open", f"{settings.keep_open:g}", "--after", str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # outlives this command, and its Ctrl-C
    )
    # Announced for it at once (it announces itself only once this command has ended): from
    # now on the next commands wait for it instead of opening the file themselves.
    opening = server_info.ServerInfo(url="", pid=process.pid, token="", kept_open=True, ready=False)
    server_info.write(path, opening)
    stderr.print(
        f"[dim]Keeping the database open in the background (pid {process.pid}) so the next "
        f"commands need not open it; it stops after {settings.keep_open:g} s unused "
        "(CRM_KEEP_OPEN=0: never).[/dim]",
        highlight=False,
    )


def release(target: Target) -> None:
    """Ask the background server to stop and wait until it has let go of the file; a server
    busy with a job stays, and the command fails saying why."""
    pid = target.local_pid
    if pid is None or not target.kept_open:
        raise fail(target.cannot())
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + RELEASE_WAIT
    while alive(pid):
        if time.monotonic() > deadline:
            raise fail(target.cannot() + " (it is running a job now)")
        time.sleep(POLL)


def release_held(settings: Settings) -> None:
    """Before `crm serve` or `crm worker` opens the file: the CLI's background server leaves."""
    path = embedded_file(settings.database_url)
    info = server_info.read(path) if path is not None else None
    if info is not None and info.kept_open:
        release(Target(url=info.url, key=info.token, local_pid=info.pid, kept_open=True))


async def serve_until_idle(
    server: uvicorn.Server, sock: socket.socket, jobs: Jobs, idle: float
) -> None:
    """Serve until no request came and no job ran for `idle` seconds, or until asked to step
    aside (SIGUSR1) while no job runs."""
    asked = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, asked.set)
    watcher = asyncio.create_task(_stop_when_idle(server, jobs, idle, asked))
    try:
        await server.serve(sockets=[sock])
    finally:
        watcher.cancel()


async def _stop_when_idle(
    server: uvicorn.Server, jobs: Jobs, idle: float, asked: asyncio.Event
) -> None:
    state = server.server_state
    seen, quiet_since = -1, time.monotonic()
    while not server.should_exit:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asked.wait(), IDLE_CHECK)
        if jobs.running() or state.connections or state.total_requests != seen:
            seen, quiet_since = state.total_requests, time.monotonic()
        if asked.is_set():
            if jobs.running():
                asked.clear()  # the command that asked gives up and says why
            else:
                server.should_exit = True
        elif time.monotonic() - quiet_since >= idle:
            server.should_exit = True
