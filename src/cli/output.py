"""Printing results: one JSON document on stdout with --json, rich output for people; an
expected error as one red line on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console


class _OnFirstUse:
    """A rich `Console` built when first used: `--json` output and `crm --help` never build
    one (importing rich's console takes longer than most commands' work)."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr

    @cached_property
    def _console(self) -> Console:
        from rich.console import Console

        return Console(stderr=self._stderr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._console, name)


stdout = cast("Console", _OnFirstUse())
stderr = cast("Console", _OnFirstUse(stderr=True))
EXIT_USER_ERROR = 1
# The command ran and printed its report, but the work did not finish: a campaign that failed
# to generate, a run that ended paused. Scripts and schedules should notice.
EXIT_UNFINISHED = 3

# A progress bar: entered with a label and the total (None: unknown), it yields `advance(n)`.
Progress = Callable[[str, int | None], AbstractContextManager[Callable[[int], None]]]

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document on stdout.")


def fail(message: str) -> typer.Exit:
    stderr.print(f"[red]Error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USER_ERROR)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


def to_jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    return value


def emit(data: Any, as_json: bool, render: Callable[[Any], None] | None = None) -> None:
    import json  # here: `crm --help` and completion do without it (3 ms, bench/cli_startup.py)

    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(data), default=_default, ensure_ascii=False) + "\n")
    elif render is not None:
        render(data)
    else:
        stdout.print_json(json.dumps(to_jsonable(data), default=_default))


def show_progress() -> bool:
    """Progress bars only for a person at a terminal."""
    return sys.stderr.isatty()


def plain(value: Any) -> str:
    """A value as a person reads it: lists comma-separated, mappings as key=value, times to
    the second, no Python reprs."""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, list | tuple | set):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={plain(v)}" for k, v in value.items())
    if value is None:
        return "-"
    return str(value)


def count_of(n: int, noun: str) -> str:
    """'1 contact', '2 contacts'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
