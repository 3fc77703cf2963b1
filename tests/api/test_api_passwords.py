"""Password reset by email (real SMTP server) and the set-password page and route."""

from __future__ import annotations

import re

import httpx
import pytest

from accounts.audit import service as audit
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces.models import Workspace
from api.deps import AppState
from api.limits import RateLimiter
from crm.db import Database
from smtp_sink import Sink

OLD = "the old password 1"
NEW = "a brand new password"


@pytest.fixture
def smtp(state: AppState, smtp_sink: Sink) -> Sink:
    state.settings = state.settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{smtp_sink.port}"}
    )
    return smtp_sink


def _token(sink: Sink, to: str) -> str:
    [received] = sink.to(to)
    found = re.search(r"/auth/set-password\?token=(\S+)", received.message.get_content())
    assert found
    return found.group(1)


async def test_a_reset_link_sets_a_new_password_once_through_the_page(
    client: httpx.AsyncClient, system: Database, main: Workspace, smtp: Sink
) -> None:
    await users.add(system, "ana@example.com", Role.EDITOR, main, OLD)

    asked = await client.post("/auth/reset", json={"email": "Ana@Example.com"})
    unknown = await client.post("/auth/reset", json={"email": "nobody@example.com"})

    assert asked.status_code == unknown.status_code == 202
    assert asked.json() == unknown.json()
    assert smtp.to("nobody@example.com") == []
    token = _token(smtp, "ana@example.com")
    page = await client.get("/auth/set-password", params={"token": token})
    assert page.status_code == 200
    assert "script" not in page.headers["content-security-policy"]
    assert "<script" not in page.text
    assert '<label for="password">' in page.text and '<label for="confirm">' in page.text
    assert "ana@example.com" in page.text

    form = {"token": token, "password": NEW, "confirm": NEW + "x"}
    differ = await client.post("/auth/set-password", data=form)
    assert differ.status_code == 422 and "the two passwords differ" in differ.text
    done = await client.post("/auth/set-password", data=form | {"confirm": NEW})
    assert done.status_code == 200 and "Password set" in done.text
    assert "set-cookie" not in done.headers  # signing in is a separate step

    again = await client.post("/auth/set-password", data=form | {"confirm": NEW})
    assert again.status_code == 400 and "used already" in again.text
    assert (await client.get("/auth/set-password", params={"token": token})).status_code == 400
    login = {"email": "ana@example.com", "password": NEW}
    assert (await client.post("/auth/login", json=login)).status_code == 200
    recorded = [(e.action, e.target) for e in await audit.entries(system, main.id)]
    assert ("user.password_reset", "ana@example.com") in recorded
    assert ("user.password_set", "ana@example.com") in recorded


async def test_set_password_with_json_refuses_bad_tokens_and_short_passwords(
    client: httpx.AsyncClient,
) -> None:
    bad = await client.post("/auth/set-password", json={"token": "abc", "password": NEW})
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == "this link is not valid: ask for a new one"
    short = await client.post("/auth/set-password", json={"token": "abc", "password": "short"})
    assert short.status_code == 422
    assert "password" in short.json()["error"]["message"]
    page = await client.get("/auth/set-password", params={"token": "abc"})
    assert page.status_code == 400 and "This link does not work" in page.text


async def test_reset_requests_are_limited_per_address(
    client: httpx.AsyncClient, state: AppState
) -> None:
    state.form_limiter = RateLimiter(3, clock=lambda: 0.0)  # time stands still
    for _ in range(3):
        answer = await client.post("/auth/reset", json={"email": "nobody@example.com"})
        assert answer.status_code == 202

    limited = await client.post("/auth/reset", json={"email": "nobody@example.com"})

    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1


async def test_a_form_that_cannot_be_read_gets_the_page_saying_the_link_does_not_work(
    client: httpx.AsyncClient,
) -> None:
    fields = {f"field{n}": "x" for n in range(20)}  # more fields than the page has

    answer = await client.post("/auth/set-password", data=fields)

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert "This link does not work" in answer.text
