"""CSRF: state-changing requests a session cookie authenticates must carry the form token
(console forms: the `csrf_token` field; REST and /auth: the X-CSRF-Token header). Bearer keys
are exempt."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from console_browser import Browser, form_token

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.workspaces.models import Workspace
from crm.contacts import service as contacts
from crm.db import Database

Person = Callable[[Role], Awaitable[Browser]]
NEW = {"email": "new@example.com"}


async def test_a_console_form_without_or_with_a_wrong_token_is_refused(
    person: Person, db: Database
) -> None:
    browser = await person(Role.OWNER)

    missing = await browser.client.post("/app/contacts/new", data=NEW)
    wrong = await browser.client.post("/app/contacts/new", data={**NEW, "csrf_token": "forged"})

    assert missing.status_code == wrong.status_code == 403
    assert "did not come from this site" in wrong.text
    assert await contacts.get(db, "new@example.com") is None
    made = await browser.submit("/app/contacts/new", "/app/contacts/new", NEW)
    assert made.status_code == 303, made.text
    assert await contacts.get(db, "new@example.com") is not None


async def test_the_login_form_needs_its_token_too(browser: Browser) -> None:
    await browser.get("/app/login")
    answer = await browser.client.post(
        "/app/login", data={"email": "a@example.com", "password": "x"}
    )
    assert answer.status_code == 403


async def test_rest_calls_with_the_session_cookie_need_the_header(
    person: Person, db: Database
) -> None:
    browser = await person(Role.OWNER)
    token = form_token((await browser.get("/app")).text)

    bare = await browser.client.post("/api/v1/contacts", json=NEW)
    wrong = await browser.client.post(
        "/api/v1/contacts", json=NEW, headers={"X-CSRF-Token": "forged"}
    )
    logout = await browser.client.post("/auth/logout")
    assert bare.status_code == wrong.status_code == logout.status_code == 403
    assert bare.json()["error"]["code"] == "forbidden"
    assert await contacts.get(db, "new@example.com") is None

    made = await browser.client.post("/api/v1/contacts", json=NEW, headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text


async def test_bearer_keys_need_no_token(
    browser: Browser, system: Database, main: Workspace
) -> None:
    key = await apikeys.create(system, "script", Role.EDITOR, main)

    made = await browser.client.post(
        "/api/v1/contacts", json=NEW, headers={"Authorization": f"Bearer {key.key}"}
    )

    assert made.status_code == 201, made.text
