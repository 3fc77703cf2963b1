"""Commands whose modules are imported when they run: `crm --help` and shell completion list
them by name and help line alone, so neither imports any command module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from cli.app import command_group
from kernel.lazy import load

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter
    from typer._click.shell_completion import CompletionItem


@dataclass(frozen=True)
class Lazy:
    """`target`: "module:name" of a `typer.Typer` (a command group) or of a command function;
    `help`: the first paragraph of its help, what `crm --help` shows."""

    target: str
    help: str

    def load(self, name: str) -> Command:
        found = load(self.target)
        if isinstance(found, typer.Typer):
            group = typer.main.get_group(found)
            group.name = name
            return group
        single = command_group(add_completion=False)
        single.command(name)(found)
        return typer.main.get_command(single)


class _Unloaded(TyperCommand):
    """A command known by its name and help line; its module is not imported yet."""

    def __init__(self, name: str, lazy: Lazy) -> None:
        super().__init__(name, help=lazy.help)
        self.lazy = lazy


def lazy_group(commands: dict[str, Lazy]) -> type[TyperGroup]:
    """A group class for `typer.Typer(cls=…)` that adds `commands`, each imported on first use."""

    class LazyGroup(TyperGroup):
        _listing = False

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            for name, lazy in commands.items():
                self.commands[name] = _Unloaded(name, lazy)

        @contextmanager
        def _names_only(self) -> Iterator[None]:
            self._listing = True
            try:
                yield
            finally:
                self._listing = False

        def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
            command = super().get_command(ctx, cmd_name)
            if isinstance(command, _Unloaded) and not self._listing:
                self.commands[cmd_name] = command = command.lazy.load(cmd_name)
            return command

        def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
            with self._names_only():
                super().format_help(ctx, formatter)

        def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
            with self._names_only():
                return super().shell_complete(ctx, incomplete)

    return LazyGroup
