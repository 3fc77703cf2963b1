"""Page spec -> HTML: a jinja2 layout with autoescaping; generated text is cleaned by nh3.

Plain fields (headline, labels, bullets) lose any markup and are escaped. Section bodies may
keep a few inline tags (links with http/https/mailto only); everything else — scripts, event
handlers, `javascript:` URLs, styles — is removed. The pages load nothing from elsewhere: the
CSS is inline and allowed by its hash in the Content-Security-Policy, and no script may run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from landing_pages.forms import TOKEN_FIELD, UTM_FIELDS, honeypot_name
from llm_tools.landing_page import LandingPageSpec

RICH_TAGS = {"a", "b", "strong", "em", "i", "br", "code"}
URL_SCHEMES = {"http", "https", "mailto"}
# Stands where the per-request hidden inputs go, so the rest of a page is rendered once.
_STATE_MARKER = "<!--crm:form-state-->"
AUTOCOMPLETE = {
    "email": "email",
    "name": "name",
    "full_name": "name",
    "first_name": "given-name",
    "last_name": "family-name",
    "phone": "tel",
    "company": "organization",
    "title": "organization-title",
    "job_title": "organization-title",
    "country": "country-name",
    "city": "address-level2",
}


def plain(text: str) -> str:
    """Text without markup (script and style contents dropped); the template escapes it."""
    return html.unescape(nh3.clean(text, tags=set()))


def rich(text: str) -> Markup:
    """Paragraphs of text with a few safe inline tags."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    cleaned = (
        nh3.clean(
            p,
            tags=RICH_TAGS,
            attributes={"a": {"href"}},
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
        for p in paragraphs
    )
    return Markup("\n".join(f"<p>{c}</p>" for c in cleaned))  # noqa: S704 - nh3 output


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("landing_pages", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
    )
    env.filters["plain"] = plain
    env.filters["rich"] = rich
    return env


@cache
def css() -> str:
    return environment().get_template("style.css.jinja").render()


@cache
def content_security_policy() -> str:
    digest = base64.b64encode(hashlib.sha256(css().encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def page_headers() -> dict[str, str]:
    return {
        "content-security-policy": content_security_policy(),
        "cache-control": "no-store",
    }


def _layout(title: str, description: str | None, robots: str) -> dict[str, object]:
    return {
        "title": plain(title),
        "description": plain(description) if description else None,
        "robots": robots,
        "css": Markup(css()),  # noqa: S704 - our own static stylesheet
    }


def render_page(
    spec: LandingPageSpec,
    *,
    title: str,
    action: str,
    hidden: Markup | str = "",
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    general_error: str | None = None,
    preview_status: str | None = None,
) -> str:
    return (
        environment()
        .get_template("page.html.jinja")
        .render(
            **_layout(
                title, spec.seo_description, "noindex" if preview_status else "index, follow"
            ),
            spec=spec,
            action=action,
            hidden=hidden,
            values=values or {},
            errors=errors or {},
            general_error=general_error,
            preview=preview_status is not None,
            status=preview_status or "",
            honeypot=honeypot_name(spec),
            autocomplete=AUTOCOMPLETE,
        )
    )


def render_message(
    heading: str,
    message: str,
    *,
    form_action: str | None = None,
    button: str = "",
    back: str | None = None,
) -> str:
    return (
        environment()
        .get_template("message.html.jinja")
        .render(
            **_layout(heading, None, "noindex"),
            heading=heading,
            message=message,
            form_action=form_action,
            button=button,
            back=back,
        )
    )


def hidden_inputs(token: str, utm: Mapping[str, str]) -> Markup:
    """The per-request part of a form: its signed token and the visit's UTM parameters."""
    parts = [f'<input type="hidden" name="{TOKEN_FIELD}" value="{escape(token)}">']
    for name in UTM_FIELDS:
        value = " ".join(str(utm.get(name, "")).split())[:100]
        if value:
            parts.append(f'<input type="hidden" name="{name}" value="{escape(value)}">')
    return Markup("".join(parts))  # noqa: S704 - every value escaped above


@dataclass(frozen=True)
class RenderedPage:
    """A published page rendered once, split where the per-request inputs go."""

    head: bytes
    tail: bytes

    def with_state(self, hidden: Markup) -> bytes:
        return b"".join((self.head, str(hidden).encode(), self.tail))


def prerender(spec: LandingPageSpec, *, title: str, action: str) -> RenderedPage:
    text = render_page(spec, title=title, action=action, hidden=Markup(_STATE_MARKER))  # noqa: S704
    head, _, tail = text.partition(_STATE_MARKER)
    return RenderedPage(head.encode(), tail.encode())


class PageCache:
    """slug -> RenderedPage for a few seconds: serving a page costs no query or template.

    Publishing, editing or unpublishing through this process drops the entry at once; the
    short lifetime covers changes made by another process on a shared database server.
    """

    def __init__(self, ttl: float = 5.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._pages: dict[str, tuple[float, RenderedPage | None]] = {}

    def get(self, slug: str) -> tuple[bool, RenderedPage | None]:
        """(hit, page); a cached None means "not published"."""
        entry = self._pages.get(slug)
        if entry is None or entry[0] < self._clock():
            return False, None
        return True, entry[1]

    def put(self, slug: str, page: RenderedPage | None) -> None:
        if len(self._pages) > 10_000:
            self._pages.clear()
        self._pages[slug] = (self._clock() + self.ttl, page)

    def drop(self, *slugs: str) -> None:
        for slug in slugs:
            self._pages.pop(slug, None)
