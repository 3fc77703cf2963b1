"""An email's call to action and links, read as parts of its content.

`cta` (`{"label", "url"}`: the button, and the link the plain text carries) and `links` (every
URL of the plain body, in order) are parts of an email asset written since they became parts;
for an asset written before, the call to action is the brief's and the links are read from the
body, so old assets render and are checked as they always were.
"""

from __future__ import annotations

import re
from typing import Any

from campaigns.models import Brief

DEFAULT_CTA_LABEL = "Learn more"
# A URL in text; punctuation that ends a sentence is not part of it.
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def urls(text: str) -> list[str]:
    return URL.findall(text)


def brief_cta(brief: Brief) -> dict[str, str] | None:
    """The call to action a brief asks for: a button to its link, if it has one."""
    if not brief.link:
        return None
    return {"label": brief.call_to_action or DEFAULT_CTA_LABEL, "url": brief.link}


def cta_of(content: dict[str, Any], brief: Brief) -> dict[str, str] | None:
    if "cta" in content:
        found: dict[str, str] | None = content["cta"]
        return found
    return brief_cta(brief)


def links_of(content: dict[str, Any]) -> list[str]:
    if "links" in content:
        return list(content["links"])
    return urls(str(content.get("body") or ""))
