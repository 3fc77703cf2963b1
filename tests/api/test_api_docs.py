"""/docs and /redoc work offline: every script, stylesheet and icon they load comes from the
app itself (an installed package), none from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest

_REFERENCE = re.compile(r"""(?:src|href|spec-url)="([^"]+)"|url: '([^']+)'""")


def _references(html: str) -> list[str]:
    return [a or b for a, b in _REFERENCE.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_page_and_everything_it_loads_come_from_the_app(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    references = _references(response.text)
    assert any(r.endswith(".js") for r in references), references

    for reference in references:
        assert reference.startswith("/"), f"{page} loads {reference} from elsewhere"
        asset = await client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.content, reference
