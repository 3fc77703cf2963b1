"""A draft's signed preview link opens in a browser (no API key), expires, refuses a tampered
token, and the draft's public address never shows it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from crm.db import Database
from factories import make_page, page_spec

BROWSER = {"accept": "text/html", "user-agent": "Mozilla/5.0"}


async def _preview_link(client: httpx.AsyncClient, auth: dict[str, str]) -> str:
    page = await client.get("/api/v1/landing-pages/demo", headers=auth)
    assert page.status_code == 200
    link = urlsplit(page.json()["preview_url"])
    assert link.netloc == "testserver"
    return f"{link.path}?{link.query}"


async def test_a_draft_opens_at_its_preview_link_in_a_browser(
    client: httpx.AsyncClient, db: Database, auth: dict[str, str]
) -> None:
    await make_page(db, publish=False)
    link = await _preview_link(client, auth)

    response = await client.get(link, headers=BROWSER)

    assert response.status_code == 200
    assert page_spec().headline in response.text
    assert "this draft is not public yet" in response.text
    assert response.headers["x-robots-tag"] == "noindex"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert '<meta name="robots" content="noindex">' in response.text


async def test_the_drafts_public_address_does_not_show_it(
    client: httpx.AsyncClient, db: Database, auth: dict[str, str]
) -> None:
    await make_page(db, publish=False)

    public = await client.get("/lp/demo", headers=BROWSER)

    assert public.status_code == 404
    assert page_spec().headline not in public.text


async def test_an_expired_link_is_refused(
    client: httpx.AsyncClient, db: Database, auth: dict[str, str], clock: Any
) -> None:
    await make_page(db, publish=False)
    link = await _preview_link(client, auth)

    clock.advance(8 * 24 * 3600)
    response = await client.get(link, headers=BROWSER)

    assert response.status_code == 403
    assert "expired" in response.text
    assert page_spec().headline not in response.text


async def test_a_tampered_or_foreign_token_is_refused(
    client: httpx.AsyncClient, db: Database, auth: dict[str, str]
) -> None:
    await make_page(db, publish=False)
    await make_page(db, slug="other", publish=False)
    link = await _preview_link(client, auth)
    path, _, query = link.partition("?")
    expires, _, signature = query.removeprefix("token=").partition(".")
    later = str(int(expires) + 10**6)
    flipped = signature[:-1] + ("1" if signature[-1] == "0" else "0")

    for bad in (
        f"{path}?token={later}.{signature}",
        f"{path}?token={expires}.{flipped}",
        f"/lp/other/preview?token={expires}.{signature}",
        f"{path}?token=",
        f"{path}",
    ):
        response = await client.get(bad, headers=BROWSER)
        assert response.status_code == 403, bad
        assert page_spec().headline not in response.text
