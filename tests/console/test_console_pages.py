"""Every console page, as an owner: it answers 200 with the console's CSP, and each form
control has a label and each POST form carries the CSRF token. Every console route declares a
permission of the one table."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from console_browser import Browser, problems
from fastapi.routing import APIRoute

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces.models import Workspace
from api.console.router import router as console_router
from crm.db import Database
from factories import csv_text, make_page, make_ready_campaign
from kernel.settings import Settings

Person = Callable[[Role], Awaitable[Browser]]


@pytest.fixture
async def pages(
    db: Database, console_settings: Settings, system: Database, main: Workspace
) -> list[str]:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=3, channels=("email", "x"), approve=False
    )
    landing_page = await make_page(db, slug="spring", campaign=campaign.id)
    await apikeys.create(system, "ci", Role.VIEWER, main)
    await users.add(system, "bo@example.com", Role.EDITOR, main, None)
    return [
        "/app",
        "/app/contacts",
        "/app/contacts?q=person&status=new&tag=&segment=all",
        "/app/contacts/new",
        "/app/contacts/person0@example.com",
        "/app/contacts/person0@example.com/edit",
        "/app/segments",
        "/app/segments?rule=email+exists",
        "/app/segments?rule=country+%3D%3D%3D+1",
        "/app/campaigns",
        f"/app/campaigns/{campaign.id}",
        f"/app/campaigns/{campaign.id}/assets/email/segment/history",
        f"/app/campaigns/{campaign.id}/schedules",
        "/app/pages",
        f"/app/pages/{landing_page.id}/edit",
        f"/app/pages/{landing_page.id}/submissions",
        "/app/settings",
        "/app/no-such-page",
    ]


@pytest.mark.usefixtures("provider")
async def test_every_page_labels_its_controls_and_protects_its_forms(
    person: Person, pages: list[str]
) -> None:
    browser = await person(Role.OWNER)
    found: dict[str, list[str]] = {}
    for path in pages:
        answer = await browser.get(path)
        assert answer.status_code in (200, 404, 422), (path, answer.status_code)
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        assert "<script>" not in answer.text and "style=" not in answer.text, path
        found[path] = problems(answer.text)
    imported = await browser.submit(
        "/app/contacts",
        "/app/contacts/import",
        files={"file": ("c.csv", csv_text([["email"], ["new@example.com"], ["nope"]]))},
    )
    assert imported.status_code == 200
    found["import report"] = problems(imported.text)
    contact = "/app/contacts/person0@example.com"
    summarized = await browser.submit(contact, contact + "/summary")
    assert summarized.status_code == 200 and "data-summary" in summarized.text
    found["contact summary"] = problems(summarized.text)
    signed_out = Browser(browser.client)
    browser.client.cookies.delete("crm_session")
    found["/app/login"] = problems((await signed_out.get("/app/login")).text)

    assert {path: p for path, p in found.items() if p} == {}


async def test_the_checker_finds_an_unlabeled_control_and_a_tokenless_form() -> None:
    html = (
        '<form method="post"><input name="q"><label for="x">X</label><input id="x" name="x"></form>'
    )
    assert problems(html) == [
        "input 'q' has no label",
        "a POST form without csrf_token: ['q', 'x']",
    ]


def _routes(router: Any) -> Iterator[APIRoute]:
    for route in router.routes:
        included = getattr(route, "original_router", None)  # FastAPI's lazily included routers
        if included is not None:
            yield from _routes(included)
        elif isinstance(route, APIRoute):
            yield route


def test_every_console_route_declares_a_permission() -> None:
    console = list(_routes(console_router))
    assert len(console) > 20
    undeclared = [
        r.path
        for r in console
        if not any(getattr(d.call, "permission", None) for d in r.dependant.dependencies)
    ]
    assert undeclared == []


async def test_the_email_frame_has_its_own_csp_and_a_signed_address(
    person: Person, db: Database, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=1, approve=False
    )
    browser = await person(Role.VIEWER)
    shown = (await browser.get(f"/app/campaigns/{campaign.id}")).text
    src = re.search(r'<iframe class="preview" sandbox="" [^>]*src="([^"]+)"', shown)
    assert src is not None
    browser.client.cookies.clear()  # a sandboxed frame sends no cookie

    frame = await browser.get(html.unescape(src.group(1)))
    forged = await browser.get(html.unescape(src.group(1))[:-4] + "abcd")

    assert frame.status_code == 200
    assert "sandbox" in frame.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in frame.headers["content-security-policy"]
    assert frame.headers["x-frame-options"] == "SAMEORIGIN"
    assert forged.status_code == 404
