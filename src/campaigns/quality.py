"""The quality gate before approval: what a reviewer would send back in every asset and every
personalised variant. Findings are shown with the assets and block approval unless a person
overrides them with a reason (recorded on the campaign)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from campaigns.channels.social import post_length
from campaigns.email_parts import cta_of, links_of, urls
from campaigns.models import Asset, Brief, Campaign, is_social
from llm_tools.social_post import LIMITS

SUBJECT_MAX = 70
HASHTAGS_MAX = {"instagram": 30, "x": 3, "linkedin": 5, "facebook": 5}

_PLACEHOLDER = re.compile(r"\[(?:your|insert|company|first|name|link|date)[^\]\n]{0,40}\]", re.I)
_AI_LEFTOVERS = re.compile(
    r"as an ai\b|as a language model|i cannot fulfil|here is (?:the|your) (?:email|post)", re.I
)
_SPAM = re.compile(r"!!!|100% free|\bact now\b|risk[- ]free|\$\$\$|click here now", re.I)


class Finding(BaseModel):
    channel: str
    variant: str
    check: str
    message: str


def _texts(content: dict[str, Any]) -> list[str]:
    parts = ("subject", "preheader", "body", "text", "full_text")
    return [str(content[p]) for p in parts if content.get(p)]


def _leftovers(content: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for text in _texts(content):
        if m := _PLACEHOLDER.search(text):
            found.append(("leftover", f"template placeholder {m.group(0)!r}"))
        if m := _AI_LEFTOVERS.search(text):
            found.append(("leftover", f"text left over from the prompt: {m.group(0)!r}"))
    return list(dict.fromkeys(found))


def _repeated(text: str) -> list[tuple[str, str]]:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    seen: set[str] = set()
    for p in paragraphs:
        if p in seen:
            return [("repeated", f"a section appears twice: {p[:60]!r}")]
        seen.add(p)
    return []


def _links(links: list[str], link: str | None) -> list[tuple[str, str]]:
    if not link:
        return []
    found = [] if any(u.startswith(link) for u in links) else [("link", f"no link to {link}")]
    found += [("link", f"{u} is not the brief's link {link}") for u in links if link not in u]
    return found


def _cta(content: dict[str, Any], brief: Brief) -> list[tuple[str, str]]:
    cta = cta_of(content, brief)
    if not brief.link:
        return []
    if cta is None:
        return [("link", "no call to action")]
    if brief.link not in cta["url"]:
        return [("link", f"the call to action goes to {cta['url']}, not the brief's {brief.link}")]
    return []


def _spam(subject: str, body: str) -> list[tuple[str, str]]:
    letters = [c for c in subject if c.isalpha()]
    found = []
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        found.append(("spam", "the subject is in capitals"))
    for text in (subject, body):
        if m := _SPAM.search(text):
            found.append(("spam", f"spam-trigger wording {m.group(0)!r}"))
    return found


def _email(content: dict[str, Any], brief: Brief) -> list[tuple[str, str]]:
    subject, body = str(content.get("subject", "")), str(content.get("body", ""))
    found = [("empty", f"the {p} is empty") for p in ("subject", "body") if not content.get(p)]
    if len(subject) > SUBJECT_MAX:
        found.append(("length", f"the subject has {len(subject)} characters (max {SUBJECT_MAX})"))
    links = _links(links_of(content), brief.link)
    return found + _repeated(body) + links + _cta(content, brief) + _spam(subject, body)


def _post(platform: str, content: dict[str, Any], link: str | None) -> list[tuple[str, str]]:
    text = str(content.get("full_text") or content.get("text", ""))
    found = [] if str(content.get("text", "")).strip() else [("empty", "the post text is empty")]
    if (length := post_length(platform, text)) > LIMITS[platform]:
        found.append(("length", f"{length} characters; {platform} allows {LIMITS[platform]}"))
    tags = content.get("hashtags") or []
    if len(tags) > HASHTAGS_MAX[platform]:
        found.append(("hashtags", f"{len(tags)} hashtags (at most {HASHTAGS_MAX[platform]})"))
    return found + _repeated(text) + _links(urls(text), link) + _spam("", text)


def check_asset(campaign: Campaign, asset: Asset) -> list[Finding]:
    if is_social(asset.channel):
        found = _post(asset.channel, asset.content, campaign.brief.link)
    else:
        found = _email(asset.content, campaign.brief)
    return [
        Finding(channel=asset.channel, variant=asset.variant, check=check, message=message)
        for check, message in found + _leftovers(asset.content)
    ]


def check(campaign: Campaign, assets: Iterable[Asset]) -> list[Finding]:
    """The findings of the current version of each asset."""
    return [f for asset in assets for f in check_asset(campaign, asset)]
