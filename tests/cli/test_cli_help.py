"""`--help` of every command and sub-command renders (rich markup in help texts included)."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under `command` (typer's click groups hold theirs in `.commands`)."""
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _paths(sub, (*path, name))
    return found


COMMANDS = _paths(typer.main.get_command(app))


def test_the_walk_finds_nested_commands() -> None:
    assert ("campaigns", "bounces") in COMMANDS
    assert ("schedules", "enrich") in COMMANDS
    assert len(COMMANDS) > 40


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "crm")
def test_help_renders(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Usage:" in result.stdout
    assert result.exception is None
