"""A landing page's text in `$EDITOR`, as YAML or as Markdown (`cli.page_markdown`): validated
on save, re-opened with the errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
import yaml
from pydantic import ValidationError

from cli.page_markdown import as_markdown, from_markdown
from llm_tools.landing_page import LandingPageSpec

HEADER = "# The page's text. Save and close to apply; close without saving to leave it unchanged.\n"
ERROR_MARK = "# ERROR "


def as_yaml(spec: LandingPageSpec) -> str:
    data = spec.model_dump(mode="json")
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def _from_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {exc}") from None


@dataclass(frozen=True)
class _Editing:
    extension: str
    dump: Callable[[LandingPageSpec], str]
    load: Callable[[str], Any]


_FORMATS: dict[str, _Editing] = {
    "yaml": _Editing(".yaml", lambda spec: HEADER + as_yaml(spec), _from_yaml),
    "markdown": _Editing(".md", lambda spec: as_markdown(spec, HEADER), from_markdown),
}


def _problem(text: str, editing: _Editing) -> tuple[LandingPageSpec | None, str]:
    try:
        return LandingPageSpec.model_validate(editing.load(text)), ""
    except ValueError as exc:
        if not isinstance(exc, ValidationError):
            return None, str(exc)
        lines = [
            f"{'.'.join(str(p) for p in e['loc']) or 'the page'}: {e['msg']}" for e in exc.errors()
        ]
        return None, "\n".join(lines)


def _without_errors(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith(ERROR_MARK))


def edit_spec(spec: LandingPageSpec, fmt: str = "yaml") -> LandingPageSpec | None:
    """The edited text, or None when it was closed unsaved or unchanged."""
    editing = _FORMATS[fmt]
    text = editing.dump(spec)
    while True:
        edited = click.edit(text, extension=editing.extension, require_save=True)
        if edited is None:
            return None
        body = _without_errors(edited)
        new, problem = _problem(body, editing)
        if new is not None:
            return None if new == spec else new
        marked = "".join(f"{ERROR_MARK}{line}\n" for line in problem.splitlines())
        text = marked + body
