"""A browser-like httpx client for console tests: it keeps cookies and sends forms with the
token the page gave."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import httpx

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


class Browser:
    """An httpx client that keeps cookies, as a browser does, and fills in the form token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def get(self, path: str, **kwargs: object) -> httpx.Response:
        return await self.client.get(path, **kwargs)  # type: ignore[arg-type]

    async def submit(
        self, page: str, action: str, data: dict[str, str] | None = None, **kwargs: object
    ) -> httpx.Response:
        """Open `page`, then post `data` to `action` with the token the page's forms carry."""
        opened = await self.client.get(page)
        token = form_token(opened.text)
        return await self.client.post(  # type: ignore[arg-type]
            action, data={"csrf_token": token, **(data or {})}, **kwargs
        )

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.submit("/app/login", "/app/login", {"email": email, "password": password})


class _Forms(HTMLParser):
    """Forms, their controls, and which controls have a label."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"method": a.get("method", "get").lower(), "fields": {}})
        elif tag == "label":
            self._label_depth += 1
            if "for" in a:
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if self.forms:
                self.forms[-1]["fields"][a.get("name", "")] = a.get("value", "")
            if a.get("type") not in ("hidden", "submit", "button", "reset"):
                self.controls.append({**a, "tag": tag, "in_label": str(self._label_depth > 0)})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1


def parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def forms(html: str) -> list[dict[str, str]]:
    """Each form's fields: name → value."""
    return [f["fields"] for f in parse(html).forms]


def problems(html: str) -> list[str]:
    """Controls nobody can name (no label, no aria-label) and POST forms without the token."""
    found = parse(html)
    unlabeled = [
        f"{c['tag']} {c.get('name', '')!r} has no label"
        for c in found.controls
        if c["in_label"] != "True"
        and c.get("id", "") not in found.label_for
        and not c.get("aria-label")
    ]
    tokenless = [
        f"a POST form without csrf_token: {sorted(f['fields'])}"
        for f in found.forms
        if f["method"] == "post" and not f["fields"].get("csrf_token")
    ]
    return unlabeled + tokenless
