"""A large embedded database is kept open between commands by a background `crm serve`
(cli.client.keep_open): later commands go through it, it steps aside for commands that need
the file, for `crm serve` and `crm worker`, and it stops when unused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api import server_info
from kernel.processes import alive

WAIT = 60.0


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    # Every database counts as large here.
    return env | {"CRM_DATA_DIR": str(data_dir), "CRM_KEEP_OPEN_FROM_MB": "0"} | extra


def _crm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def db_file(isolated_data_dir: Path) -> Iterator[Path]:
    path = isolated_data_dir / "crm.db"
    yield path
    info = server_info.read(path)
    if info is not None:
        os.kill(info.pid, signal.SIGTERM)
        _until(lambda: not alive(info.pid), "the background server to stop")


def _holder(path: Path) -> server_info.ServerInfo:
    _until(lambda: _ready(path) is not None, "the background server")
    info = _ready(path)
    assert info is not None
    return info


def _ready(path: Path) -> server_info.ServerInfo | None:
    info = server_info.read(path)
    return info if info is not None and info.ready else None


def test_later_commands_go_through_the_process_that_keeps_the_database_open(
    isolated_data_dir: Path, db_file: Path
) -> None:
    env = _env(isolated_data_dir, CRM_KEEP_OPEN="120")
    added = _crm(env, "contacts", "add", "--email", "ada@example.com", "--json")
    assert added.returncode == 0, added.stderr
    assert "Keeping the database open in the background" in added.stderr
    holder = _holder(db_file)
    assert holder.kept_open

    # The background server holds the file (a command opening it would fail on the lock at
    # once), so these answers came through its API.
    listed = _crm(env, "contacts", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [c["email"] for c in json.loads(listed.stdout)["items"]] == ["ada@example.com"]
    added = _crm(env, "contacts", "add", "--email", "bob@example.com", "--json")
    assert added.returncode == 0, added.stderr
    assert "Keeping the database open" not in added.stderr
    assert server_info.read(db_file) == holder

    # A command with no REST route: the background server steps aside and it runs on the
    # file, after which a new one keeps the database open again.
    spaces = _crm(env, "workspaces", "list", "--json")
    assert spaces.returncode == 0, spaces.stderr
    assert [w["id"] for w in json.loads(spaces.stdout)] == ["main"]
    assert not alive(holder.pid)
    again = _holder(db_file)
    assert again.pid != holder.pid
    listed = _crm(env, "contacts", "list", "--json")
    emails = sorted(c["email"] for c in json.loads(listed.stdout)["items"])
    assert emails == ["ada@example.com", "bob@example.com"]


def test_a_read_hands_the_file_to_the_background_server_as_it_ends(
    isolated_data_dir: Path, db_file: Path
) -> None:
    added = _crm(_env(isolated_data_dir, CRM_KEEP_OPEN="0"), "contacts", "add", "--email", "a@x.io")
    assert added.returncode == 0, added.stderr
    env = _env(isolated_data_dir, CRM_KEEP_OPEN="120")

    # The read leaves its engine open to its end, so the server it starts takes the file then;
    # until that server is ready, the next commands wait for it rather than open the file.
    listed = _crm(env, "contacts", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [c["email"] for c in json.loads(listed.stdout)["items"]] == ["a@x.io"]
    assert "Keeping the database open in the background" in listed.stderr
    announced = server_info.read(db_file)
    assert announced is not None and announced.kept_open
    again = _crm(env, "contacts", "list", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(listed.stdout)
    holder = _holder(db_file)
    assert holder.pid == announced.pid
    assert "Keeping the database open" not in again.stderr


def test_the_background_server_stops_when_unused(isolated_data_dir: Path, db_file: Path) -> None:
    env = _env(isolated_data_dir, CRM_KEEP_OPEN="1")
    assert _crm(env, "contacts", "add", "--email", "ada@example.com").returncode == 0
    holder = _holder(db_file)
    _until(lambda: not alive(holder.pid), "the idle server to stop")
    assert server_info.read(db_file, alive_only=False) is None
    listed = _crm(env | {"CRM_KEEP_OPEN": "0"}, "contacts", "list", "--json")
    assert [c["email"] for c in json.loads(listed.stdout)["items"]] == ["ada@example.com"]


def test_crm_serve_takes_over_from_the_background_server(
    isolated_data_dir: Path, db_file: Path
) -> None:
    env = _env(isolated_data_dir, CRM_KEEP_OPEN="120")
    assert _crm(env, "contacts", "add", "--email", "ada@example.com").returncode == 0
    holder = _holder(db_file)
    serve = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _until(lambda: getattr(_ready(db_file), "pid", None) == serve.pid, "crm serve")
        assert not alive(holder.pid)
        served = _ready(db_file)
        assert served is not None and not served.kept_open
        listed = _crm(env, "contacts", "list", "--json")
        assert [c["email"] for c in json.loads(listed.stdout)["items"]] == ["ada@example.com"]
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=WAIT)
