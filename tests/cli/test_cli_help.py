"""`--help` of every command and sub-command renders (brackets in help texts included), and
`crm --help` shows each command's own help line without importing it."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from cli.main import COMMANDS as LAZY
from cli.main import app

ROOT = typer.main.get_command(app)


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under `command`, loading the lazy ones."""
    found = [path]
    if isinstance(command, TyperGroup):
        ctx = typer.Context(command)
        for name in command.list_commands(ctx):
            found += _paths(command.get_command(ctx, name), (*path, name))
    return found


COMMANDS = _paths(ROOT)


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


@pytest.mark.parametrize("name", LAZY)
def test_the_help_line_crm_help_shows_is_the_commands_own(name: str) -> None:
    assert isinstance(ROOT, TyperGroup)
    command = ROOT.get_command(typer.Context(ROOT), name)
    assert command is not None and command.help
    own = inspect.cleandoc(command.help).split("\n\n")[0]
    assert " ".join(own.split()) == LAZY[name].help


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["contcts", "list"])

    assert result.exit_code == 2
    assert "Did you mean 'contacts'?" in result.output
