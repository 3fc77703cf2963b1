"""A process that ends after one command (`crm`) may leave what it opened to its end.

Closing an embedded engine frees its whole in-memory index: about 0.5 s at 100,000 contacts,
and the interpreter then spends as long again at its exit (bench/keep_open.py). A process about
to end can skip both for an engine that wrote nothing. `cli.main` says the process is such a
one and ends it through `end`; `crm.db` leaves engines open only then, and registers what must
still happen before the end.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import ClassVar, NoReturn


class _Process:
    one_command = False
    before_end: ClassVar[list[Callable[[], None]]] = []


def runs_one_command() -> None:
    _Process.one_command = True


def ends_after_this_command() -> bool:
    return _Process.one_command


def before_end(step: Callable[[], None]) -> None:
    """Something left open: the process then ends at once (`os._exit`), after `step`."""
    _Process.before_end.append(step)


def end(code: int) -> NoReturn:
    """Exit with `code`: as usual, or at once (no interpreter teardown) when something was left
    open, once the registered steps ran and the output and the log are flushed."""
    if not _Process.before_end:
        sys.exit(code)
    import logging

    for step in _Process.before_end:
        step()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
