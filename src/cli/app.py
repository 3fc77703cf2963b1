"""How every `crm` command group is built, so that all of them print the same help page."""

from __future__ import annotations

from typing import Any

import typer

# Help uses the terminal's width up to this many columns (click's default stops at 80).
HELP_WIDTH = 120


def command_group(help: str | None = None, **settings: Any) -> typer.Typer:
    """A `typer.Typer` that prints click's plain help page. Typer's rich page imports rich's
    markdown and traceback modules first, which made `crm --help` take about twice as long."""
    return typer.Typer(
        help=help,
        rich_markup_mode=None,
        context_settings={"max_content_width": HELP_WIDTH},
        **settings,
    )
