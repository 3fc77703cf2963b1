"""Importing on first use, for what every process sets up but few use: the `crm` commands,
the job kinds, the campaign lookup of segment rules. `"package.module:name"` names the object.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def load(target: str) -> Any:
    """The object `target` names, its module imported now (if it was not yet)."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def deferred(target: str) -> Callable[..., Any]:
    """The function `target` names, its module imported when it is first called."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return load(target)(*args, **kwargs)

    call.__qualname__ = call.__name__ = target
    return call
