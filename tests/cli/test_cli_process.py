"""Real processes: the installed `crm` entry point, the database lock, lazy imports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.db import lock_owner
from crm_cli import Crm

PYTHON = sys.executable
CRM = shutil.which("crm", path=str(Path(sys.executable).parent)) or shutil.which("crm")
# Bounded waits only: a hung child fails the test instead of hanging the suite.
TIMEOUT = 60

HOLD_LOCK = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from crm.db import connect
    from crm.schema import migrate
    from kernel.settings import load_settings

    async def main() -> None:
        async with connect(load_settings()) as db:
            await migrate(db)
            print("locked", flush=True)
            if sys.argv[1] == "until-stdin-closes":
                await asyncio.to_thread(sys.stdin.read)
            else:
                time.sleep(float(sys.argv[1]))
                Path(sys.argv[2]).write_text("released")

    asyncio.run(main())
    """
)


def child_env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {"CRM_DB_URL": f"surrealkv://{db}", "CRM_DATA_DIR": str(db.parent), **extra}
    return env


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A second process holding the database until its stdin closes."""
    db = tmp_path / "shared.db"
    proc = subprocess.Popen(
        [PYTHON, "-c", HOLD_LOCK, "until-stdin-closes"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=child_env(db),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked", proc.stderr.read()  # type: ignore[union-attr]
        yield proc
    finally:
        _, err = proc.communicate(input="", timeout=TIMEOUT)
        assert proc.returncode == 0, f"holder exited {proc.returncode}: {err}"


def test_the_installed_crm_command(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    assert CRM is not None, "the crm entry point is not installed"
    own = tmp_path / "own.db"

    def crm(*args: str, db: Path = own) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CRM, *args], capture_output=True, text=True, env=child_env(db), timeout=TIMEOUT
        )

    init = crm("init", "--json")
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["database"] == f"surrealkv://{own}"

    added = crm("contacts", "add", "--email", "Ada@Example.com", "--tag", "vip", "--json")
    assert added.returncode == 0, added.stderr
    contact = json.loads(added.stdout)
    listed = json.loads(crm("contacts", "list", "--tag", "vip", "--json").stdout)
    assert [c["id"] for c in listed["items"]] == [contact["id"]]

    duplicate = crm("contacts", "add", "--email", "ada@example.com", "--json")
    assert duplicate.returncode == 1
    assert duplicate.stdout == ""
    assert duplicate.stderr.startswith("Error: ")
    assert len(duplicate.stderr.strip().splitlines()) == 1
    assert "Traceback" not in duplicate.stderr

    usage = crm("contacts", "add", "--json")
    assert usage.returncode == 2
    assert usage.stdout == ""

    # The holder fixture has the other database open in another process.
    shared = tmp_path / "shared.db"
    locked = crm("contacts", "list", "--json", db=shared)
    assert locked.returncode == 1
    assert locked.stdout == ""
    assert "Traceback" not in locked.stderr
    message = " ".join(locked.stderr.split())  # rich may wrap a long path
    assert "in use by another crm process" in message
    assert str(holder.pid) in message
    assert str(shared) in locked.stderr.replace("\n", "")


class TestLock:
    def test_a_second_process_fails_at_once_naming_the_file(
        self, tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        shared = tmp_path / "shared.db"
        monkeypatch.setenv("CRM_DB_URL", f"surrealkv://{shared}")

        error = Crm(shared).fails("contacts", "list", "--json")

        assert str(shared) in error
        assert f"pid {holder.pid}" in error
        assert "CRM_DB_LOCK_TIMEOUT" in error
        assert (lock_owner(shared) or {}).get("pid") == holder.pid

    def test_crm_db_lock_timeout_waits_for_the_other_process(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        shared = tmp_path / "shared.db"
        released = tmp_path / "released"
        # The holder keeps the database for a moment, notes that it lets go, and exits.
        proc = subprocess.Popen(
            [PYTHON, "-c", HOLD_LOCK, "1.0", str(released)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(shared),
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "locked"
            monkeypatch.setenv("CRM_DB_URL", f"surrealkv://{shared}")
            monkeypatch.setenv("CRM_DB_LOCK_TIMEOUT", str(TIMEOUT))

            page = Crm(shared).json("contacts", "list")

            assert page == {"items": [], "next_cursor": None}
            # It only got in once the holder had let go.
            assert released.read_text() == "released"
        finally:
            _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err


def test_help_does_not_import_heavy_libraries_or_any_command() -> None:
    probe = textwrap.dedent(
        """
        import contextlib, io, json, sys
        from cli.main import app
        with contextlib.redirect_stdout(io.StringIO()) as out:
            try:
                app(["--help"], standalone_mode=False)
            except SystemExit:
                pass
        # markdown_it and pygments: what typer's rich help page would import
        heavy = ["litellm", "fastapi", "llama_cpp", "surrealdb", "pydantic", "asyncio",
                 "markdown_it", "pygments"]
        print(json.dumps({"help": "contacts" in out.getvalue(),
                          "loaded": [m for m in heavy if m in sys.modules],
                          "commands": [m for m in sys.modules if m.startswith("cli.")
                                       and m not in ("cli.main", "cli.app", "cli.lazy",
                                                     "cli.output", "cli.runtime")]}))
        """
    )
    result = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True, timeout=TIMEOUT)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"help": True, "loaded": [], "commands": []}


@pytest.mark.skipif(CRM is None, reason="the crm entry point is not installed")
@pytest.mark.parametrize(
    ("words", "expected"),
    [("crm co", ["contacts", "companies"]), ("crm contacts li", ["list"])],
)
def test_shell_completion_lists_commands(words: str, expected: list[str]) -> None:
    assert CRM is not None
    env = {**os.environ, "_CRM_COMPLETE": "complete_bash", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(len(words.split()) - 1)
    result = subprocess.run([CRM], capture_output=True, text=True, env=env, timeout=TIMEOUT)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected
