"""A landing page's text as Markdown: the fields that are not sections as YAML front matter,
then each section as a heading, its paragraphs and its bullet list."""

from __future__ import annotations

import re
from typing import Any

import yaml

from llm_tools.landing_page import LandingPageSpec

FENCE = "---"
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+")
_BLANK_LINES = re.compile(r"\n\s*\n")


def as_markdown(spec: LandingPageSpec, comment: str = "") -> str:
    """The front matter (starting with `comment`, YAML comment lines) and the sections."""
    front = spec.model_dump(mode="json", exclude={"sections"})
    fields = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    parts = [f"{FENCE}\n{comment}{fields}{FENCE}"]
    for section in spec.sections:
        parts.append(f"## {section.heading}")
        parts.append(section.body.strip())
        if section.bullets:
            parts.append("\n".join(f"- {bullet}" for bullet in section.bullets))
    return "\n\n".join(parts) + "\n"


def _section(heading: str, lines: list[str]) -> dict[str, Any]:
    paragraphs: list[str] = []
    bullets: list[str] = []
    for block in _BLANK_LINES.split("\n".join(lines).strip()):
        rows = [row.rstrip() for row in block.splitlines() if row.strip()]
        if rows and all(_BULLET.match(row) for row in rows):
            bullets += [_BULLET.sub("", row).strip() for row in rows]
        elif rows:
            paragraphs.append("\n".join(rows))
    return {"heading": heading, "body": "\n\n".join(paragraphs), "bullets": bullets}


def from_markdown(text: str) -> dict[str, Any]:
    """The page's data (to validate as a LandingPageSpec); ValueError when the text's shape
    is not that of `as_markdown`."""
    lines = text.strip().splitlines()
    if not lines or lines[0].strip() != FENCE or FENCE not in (line.strip() for line in lines[1:]):
        raise ValueError(f"the page must start with its fields between two {FENCE} lines")
    end = next(n for n, line in enumerate(lines[1:], 1) if line.strip() == FENCE)
    try:
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise ValueError(
            f"the fields between the {FENCE} lines are not valid YAML: {exc}"
        ) from None
    if not isinstance(front, dict):
        raise ValueError(f"the fields between the {FENCE} lines must be `name: value` lines")
    sections: list[tuple[str, list[str]]] = []
    for line in lines[end + 1 :]:
        if heading := _HEADING.match(line):
            sections.append((heading[1], []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"text before the first section's heading (## Heading): {line!r}")
    return {**front, "sections": [_section(heading, body) for heading, body in sections]}
