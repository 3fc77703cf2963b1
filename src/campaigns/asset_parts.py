"""What a hand edit derives again: the HTML from the plain body, the preheader from the
message, the body's link from the call to action, the links from the body, a post's published
text from its text, hashtags and link. A part the edit sets itself is kept as given."""

from __future__ import annotations

import html
import re
from typing import Any

from campaigns.email_parts import URL, cta_of, links_of, urls
from campaigns.models import EMAIL, WEBHOOK, Brief, is_social
from kernel.errors import ValidationFailed
from llm_tools.email import PREHEADER_MAX
from llm_tools.text import first_sentence, text_to_html

_GREETING = re.compile(r"^(hi|hello|hey|dear|greetings|good \w+)\b[^\n]{0,40}[,!:]?$", re.I)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_WHOLE_URL = re.compile(rf"^{URL.pattern}$")
CTA_LABEL_MAX = 60


def preheader_of(body: str) -> str:
    """The message's first sentence (after the greeting), or '' when it is too long."""
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(body) if p.strip()]
    if paragraphs and _GREETING.match(paragraphs[0]):
        paragraphs = paragraphs[1:]
    return first_sentence(paragraphs[0], PREHEADER_MAX) if paragraphs else ""


def is_email(channel: str) -> bool:
    return channel in (EMAIL, WEBHOOK)


def complete(channel: str, content: dict[str, Any], brief: Brief) -> dict[str, Any]:
    """An email's content with its call to action and links as parts (see
    `campaigns.email_parts`); other content as it is."""
    if not is_email(channel):
        return content
    return {**content, "cta": cta_of(content, brief), "links": links_of(content)}


def _checked_cta(cta: dict[str, Any]) -> dict[str, str]:
    label, url = str(cta.get("label") or "").strip(), str(cta.get("url") or "").strip()
    if not label or len(label) > CTA_LABEL_MAX:
        raise ValidationFailed(f"the call to action needs a label of 1-{CTA_LABEL_MAX} characters")
    if not _WHOLE_URL.match(url):
        raise ValidationFailed(f"the call to action needs an http(s) URL, got {url!r}")
    return {"label": label, "url": url}


def _relinked(body: str, old: str | None, new: str) -> str:
    """The body with its links to `old` pointing at `new`; with no `old`, `new` is added as its
    own paragraph before the last (the sign-off)."""
    if old is not None:
        return URL.sub(lambda m: new if m[0] == old else m[0], body)
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(body.strip()) if p]
    paragraphs.insert(len(paragraphs) - 1 if len(paragraphs) > 1 else len(paragraphs), new)
    return "\n\n".join(paragraphs)


def _cta_edit(content: dict[str, Any], changes: dict[str, Any], brief: Brief) -> dict[str, Any]:
    """The edit with its call to action completed and checked, and the body linking to it: its
    link to the old URL moved (the HTML's too, where it is there), or the link added. The
    message, and so the preheader, stays the same."""
    old = cta_of(content, brief)
    cta = _checked_cta({**(old or {}), **changes["cta"]})
    edit = {**changes, "cta": cta}
    body = str(content.get("body") or "")
    found = urls(body)
    old_url = old["url"] if old and old["url"] != cta["url"] and old["url"] in found else None
    if "body" in changes or (old_url is None and cta["url"] in found):
        return edit
    edit["body"] = _relinked(body, old_url, cta["url"])
    page, escaped = str(content.get("body_html") or ""), html.escape(old_url or "")
    if "body_html" not in changes and old_url is not None and escaped in page:
        edit["body_html"] = page.replace(escaped, html.escape(cta["url"]))
    if "preheader" not in changes and "preheader" in content:
        edit["preheader"] = content["preheader"]
    return edit


def derive(
    channel: str, content: dict[str, Any], changes: dict[str, Any], brief: Brief
) -> dict[str, Any]:
    """`content` with the edit's `changes` applied and what depends on them derived again."""
    if "cta" in changes:
        if not is_email(channel):
            raise ValidationFailed(f"a {channel} asset has no call to action part")
        changes = _cta_edit(content, changes, brief)
    derived = {**content, **changes}
    if is_email(channel) and "body" in changes:
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
    derived.pop("links", None)  # read from the body again
    return complete(channel, derived, brief)
