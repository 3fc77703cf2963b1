"""A landing page's text in `$EDITOR` as YAML: validated on save, re-opened with the error."""

from __future__ import annotations

import click
import yaml
from pydantic import ValidationError

from llm_tools.landing_page import LandingPageSpec

HEADER = "# The page's text. Save and close to apply; close without saving to leave it unchanged.\n"
ERROR_MARK = "# ERROR "


def as_yaml(spec: LandingPageSpec) -> str:
    data = spec.model_dump(mode="json")
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def _problem(text: str) -> tuple[LandingPageSpec | None, str]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, f"not valid YAML: {exc}"
    try:
        return LandingPageSpec.model_validate(data), ""
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in e['loc']) or 'the page'}: {e['msg']}" for e in exc.errors()
        ]
        return None, "\n".join(lines)


def _without_errors(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith(ERROR_MARK))


def edit_spec(spec: LandingPageSpec) -> LandingPageSpec | None:
    """The edited text, or None when it was closed unsaved or unchanged."""
    original = as_yaml(spec)
    text = HEADER + original
    while True:
        edited = click.edit(text, extension=".yaml", require_save=True)
        if edited is None:
            return None
        body = _without_errors(edited)
        new, problem = _problem(body)
        if new is not None:
            return None if new == spec else new
        marked = "".join(f"{ERROR_MARK}{line}\n" for line in problem.splitlines())
        text = marked + body
