"""Prompt templates, one `*.jinja` file per LLM tool, shipped inside the package.

Templates are plain text a marketer can read and edit. Undefined variables raise instead of
rendering as empty text, so a renamed input never silently disappears from a prompt.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound

_BLANK_LINES = re.compile(r"\n{3,}")


class _PackageLoader(BaseLoader):
    def get_source(self, environment: Environment, template: str) -> tuple[str, str, None]:
        entry = resources.files(__package__).joinpath(template)
        if not entry.is_file():
            raise TemplateNotFound(template)
        # Packaged files never change while the process runs: no reload check (None).
        return entry.read_text(encoding="utf-8"), template, None


@cache
def _environment() -> Environment:
    return Environment(
        loader=_PackageLoader(),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - prompts are plain text for a model, never HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(name: str, **variables: Any) -> str:
    """Render `prompts/<name>.jinja` with `variables`; a missing variable raises."""
    text = _environment().get_template(f"{name}.jinja").render(**variables)
    # Optional sections leave runs of blank lines behind; one is enough for a reader.
    return _BLANK_LINES.sub("\n\n", text).strip()
