"""The login contract (`/app` → `/app/login`, one form with `email` and `password`, the
session cookie and a redirect into `/app`), logout, expired sessions and error pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from console_browser import PASSWORD, Browser, forms, problems

from accounts.audit import service as audit
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from api.deps import AppState
from crm.db import Database

Person = Callable[[Role], Awaitable[Browser]]


async def test_the_console_without_a_session_redirects_to_the_login_form(
    browser: Browser,
) -> None:
    answer = await browser.get("/app")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login"

    login = await browser.get("/app/login")
    assert login.status_code == 200
    fields = forms(login.text)
    assert len(fields) == 1
    assert {"email", "password", "csrf_token"} <= set(fields[0])


async def test_signing_in_sets_the_session_and_opens_the_console(
    browser: Browser, system: Database, main: Workspace
) -> None:
    await users.add(system, "ana@example.com", Role.EDITOR, main, PASSWORD)

    signed = await browser.sign_in("Ana@Example.com")

    assert signed.status_code == 303
    assert signed.headers["location"] == "/app"
    assert "crm_session=" in signed.headers["set-cookie"]
    home = await browser.get("/app")
    assert home.status_code == 200
    assert "ana@example.com" in home.text and "editor" in home.text
    assert main.name in home.text


async def test_wrong_credentials_show_the_form_again_with_a_message(
    browser: Browser, system: Database, main: Workspace
) -> None:
    await users.add(system, "ana@example.com", Role.EDITOR, main, PASSWORD)

    wrong = await browser.sign_in("ana@example.com", "not the password")

    assert wrong.status_code == 401
    assert "wrong email or password" in wrong.text
    assert 'value="ana@example.com"' in wrong.text
    assert "Traceback" not in wrong.text
    assert (await browser.get("/app")).status_code == 303


async def test_signing_out_ends_the_session(person: Person) -> None:
    browser = await person(Role.VIEWER)

    out = await browser.submit("/app", "/app/logout")

    assert out.status_code == 303
    assert out.headers["location"] == "/app/login"
    assert (await browser.get("/app")).status_code == 303


async def test_an_expired_session_goes_back_to_the_login_page(person: Person) -> None:
    browser = await person(Role.VIEWER)
    browser.client.cookies.set("crm_session", "expired-or-unknown")

    answer = await browser.get("/app/contacts")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login?next=/app/contacts"


async def test_errors_are_pages_in_the_console_layout(person: Person) -> None:
    browser = await person(Role.VIEWER)

    missing = await browser.get("/app/no-such-page")
    contact = await browser.get("/app/contacts/nobody@example.com")

    for answer in (missing, contact):
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "Sign out" in answer.text  # the layout, with its navigation
        assert "Traceback" not in answer.text


async def test_a_locked_account_is_told_to_wait_with_retry_after(
    browser: Browser, system: Database, main: Workspace, state: AppState
) -> None:
    state.settings = state.settings.model_copy(
        update={"login_max_failures": 2, "login_lockout_minutes": 15.0}
    )
    await users.add(system, "ana@example.com", Role.EDITOR, main, PASSWORD)
    for _ in range(2):
        assert (await browser.sign_in("ana@example.com", "a wrong guess")).status_code == 401

    locked = await browser.sign_in("ana@example.com")

    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert "too many failed sign-ins" in locked.text.lower()
    assert (await browser.get("/app")).status_code == 303


async def test_a_member_of_several_workspaces_switches_without_signing_in_again(
    browser: Browser, system: Database, main: Workspace
) -> None:
    acme = await workspaces.create(system, "Acme")
    await workspaces.create(system, "Other")
    await users.add(system, "ana@example.com", Role.EDITOR, main, PASSWORD)
    await users.add(system, "ana@example.com", Role.OWNER, acme, None)
    await browser.sign_in("ana@example.com")
    old_cookie = browser.client.cookies["crm_session"]
    settings = await browser.get("/app/settings")
    assert "data-switch" in settings.text and problems(settings.text) == []
    assert ">Other<" not in settings.text  # not a member there

    switched = await browser.submit("/app/settings", "/app/workspace", {"workspace": acme.id})

    assert switched.status_code == 303 and switched.headers["location"] == "/app"
    home = await browser.get("/app")
    assert "Acme" in home.text and "owner" in home.text
    assert browser.client.cookies["crm_session"] != old_cookie
    [entry] = [e for e in await audit.entries(system, acme.id) if e.action == "auth.switch"]
    assert entry.actor_name == "ana@example.com" and entry.details == {"from": main.id}
    refused = await browser.submit("/app/settings", "/app/workspace", {"workspace": "Other"})
    assert refused.status_code == 404
    assert "Acme" in (await browser.get("/app")).text
    browser.client.cookies.set("crm_session", old_cookie)
    assert (await browser.get("/app")).status_code == 303  # the old session ended
