"""Asking before LLM work big enough to cost real money: the count on a terminal and a
question; `--yes` for scripts; a script without `--yes` is refused, never left waiting."""

from __future__ import annotations

import sys

import typer

from cli.output import fail

CONFIRM_ABOVE = 100  # LLM calls
YES_OPTION = typer.Option(False, "--yes", "-y", help="Do not ask before many LLM calls.")


def _terminal() -> bool:
    return sys.stdin.isatty()


def confirm_calls(calls: int, what: str, *, yes: bool) -> None:
    """Go on silently at or under the threshold or with --yes; otherwise ask (a terminal) or
    refuse (no terminal)."""
    if calls <= CONFIRM_ABOVE or yes:
        return
    question = f"{what} makes up to {calls} LLM calls."
    if not _terminal():
        raise fail(f"{question} Add --yes to go ahead.")
    if not typer.confirm(f"{question} Go ahead?", default=False, err=True):
        raise fail("stopped; nothing was done")
