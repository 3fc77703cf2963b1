"""Checks and conversions on model-written text shared by the tools."""

from __future__ import annotations

import html
import re

# Merge tags and template slots a model copies from marketing examples instead of writing the
# real value: {{first_name}}, {name}, [Name], [Company Name], <NAME>, %FIRSTNAME%, *|FNAME|*.
# `[text](url)` is a Markdown link, not a placeholder.
_PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}"
    r"|\{\s*[A-Za-z_][A-Za-z0-9_ ]{0,30}\}"
    r"|\[[A-Za-z][A-Za-z0-9_ ]{0,30}\](?!\()"
    r"|<[A-Z][A-Z0-9_ ]{1,30}>"
    r"|%[A-Z][A-Z0-9_]{1,30}%"
    r"|\*\|[A-Z0-9_]+\|\*"
)
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def reject_placeholders(text: str) -> str:
    """A pydantic after-validator: unfilled template slots are errors the model must fix."""
    found = placeholders(text)
    if found:
        raise ValueError(
            f"contains unfilled placeholders {', '.join(sorted(set(found)))}: "
            "write the real value or rephrase without it"
        )
    return text


def first_sentence(text: str, limit: int) -> str:
    """The first sentence of `text`, if it fits in `limit` characters, else ''."""
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()
    return sentence if len(sentence) <= limit else ""


def _linked(paragraph: str) -> str:
    parts, position = [], 0
    for match in _URL.finditer(paragraph):
        url = html.escape(match[0])
        parts += [html.escape(paragraph[position : match.start()]), f'<a href="{url}">{url}</a>']
        position = match.end()
    parts.append(html.escape(paragraph[position:]))
    return "".join(parts)


def text_to_html(text: str) -> str:
    """Plain text -> simple HTML: escaped paragraphs, line breaks and clickable http(s) links."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n".join("<p>" + _linked(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
