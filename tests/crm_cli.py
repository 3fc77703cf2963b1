"""`crm` run in process, checking the CLI contract on every call."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from cli.main import app


class Crm:
    """Runs `crm ARGS…` in process and checks the CLI contract on the way."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(self, *args: str | Path) -> Result:
        result = self.runner.invoke(app, [str(a) for a in args])
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert_user_error(result)
        return result

    def json(self, *args: str | Path) -> Any:
        """The one JSON document a successful `crm ARGS… --json` prints on stdout."""
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def fails(self, *args: str | Path, code: int = 1) -> str:
        """stderr of a command that must fail with `code` (1: user error, 2: usage)."""
        result = self(*args)
        assert result.exit_code == code, result.output
        assert result.stdout == ""
        return result.stderr


def assert_user_error(result: Result) -> None:
    """Exit 1: one line on stderr saying what is wrong, nothing on stdout, no traceback."""
    assert result.exit_code == 1
    # A crash also exits 1 under CliRunner, with the exception kept instead of SystemExit.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert result.stdout == ""


def contact_ids(items: Sequence[dict[str, Any]]) -> list[str]:
    return sorted(item["id"] for item in items)
