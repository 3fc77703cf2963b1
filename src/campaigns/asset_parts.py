"""What a hand edit derives again: the HTML from the plain body, the preheader from the
message, a post's published text from its text, hashtags and link. A part the edit sets itself
is kept as given."""

from __future__ import annotations

import re
from typing import Any

from campaigns.models import EMAIL, WEBHOOK, is_social
from llm_tools.email import PREHEADER_MAX
from llm_tools.text import first_sentence, text_to_html

_GREETING = re.compile(r"^(hi|hello|hey|dear|greetings|good \w+)\b[^\n]{0,40}[,!:]?$", re.I)


def preheader_of(body: str) -> str:
    """The message's first sentence (after the greeting), or '' when it is too long."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    if paragraphs and _GREETING.match(paragraphs[0]):
        paragraphs = paragraphs[1:]
    return first_sentence(paragraphs[0], PREHEADER_MAX) if paragraphs else ""


def derive(channel: str, content: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`content` with the edit's `changes` applied and what depends on them derived again."""
    derived = {**content, **changes}
    if channel in (EMAIL, WEBHOOK) and "body" in changes:
        body = str(derived["body"])
        if "body_html" not in changes:
            derived["body_html"] = text_to_html(body)
        if "preheader" not in changes:
            derived["preheader"] = preheader_of(body)
    if is_social(channel) and "text" in changes and "full_text" not in changes:
        tags = " ".join(f"#{t}" for t in derived.get("hashtags", []))
        derived["full_text"] = "\n\n".join(
            p for p in (derived["text"], tags, derived.get("link")) if p
        )
    return derived
