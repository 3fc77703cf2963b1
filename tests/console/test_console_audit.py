"""What a person does in the console is in the audit log as the API records it: the action,
its target, the user as actor; a form shown again with its problems, or a refused request,
records nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from console_browser import Browser
from test_console_pages import _routes

from accounts.audit import service as audit
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces.models import Workspace
from api.console.router import router as console_router
from crm.db import Database
from factories import csv_text, make_page, make_ready_campaign
from kernel.settings import Settings

Person = Callable[[Role], Awaitable[Browser]]
CONTACTS = "/app/contacts"


async def _log(browser: Browser) -> list[dict[str, Any]]:
    answer = await browser.get("/api/v1/audit", params={"limit": 100})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return [i for i in reversed(items) if not i["action"].startswith("auth.")]


async def test_console_actions_are_audited_with_the_user_as_actor(
    person: Person, db: Database, system: Database, main: Workspace, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=2, approve=False
    )
    await make_page(db, slug="spring", campaign=campaign.id)
    admin = await person(Role.ADMIN)
    me = await users.lookup(system, "admin@example.com")
    assert me is not None
    camp = f"/app/campaigns/{campaign.id}"

    steps = [
        (CONTACTS + "/new", CONTACTS + "/new", {"email": "new@example.com"}),
        (CONTACTS + "/new", CONTACTS + "/new", {"email": "not an address"}),  # shown again
        (CONTACTS + "/new@example.com/edit", CONTACTS + "/new@example.com/edit", {"city": "Oslo"}),
        ("/app/segments", "/app/segments", {"name": "oslo", "rule": 'city = "Oslo"'}),
        (camp, camp + "/assets/email/segment", {"subject": "A better subject"}),
        (camp, camp + "/approve", {}),
        ("/app/pages", "/app/pages/spring/publish", {}),
        ("/app/pages", "/app/pages/spring/unpublish", {}),
        ("/app/settings", "/app/settings/keys", {"name": "ci", "role": "viewer"}),
    ]
    for opened, action, data in steps:
        answer = await admin.submit(opened, action, data)
        assert answer.status_code in (200, 303, 422), (action, answer.status_code)
    imported = await admin.submit(
        CONTACTS,
        CONTACTS + "/import",
        files={"file": ("c.csv", csv_text([["email"], ["x@example.com"]]))},
    )
    assert imported.status_code == 200

    log = await _log(admin)
    assert [(i["action"], i["target"].split(":")[0]) for i in log] == [
        ("contact.create", "contact"),
        ("contact.update", "contact"),
        ("segment.save", "segment"),
        ("campaign.asset_edit", "campaign"),
        ("campaign.approve", "campaign"),
        ("page.publish", "page"),
        ("page.unpublish", "page"),
        ("apikey.create", "apikey"),
        ("contacts.import", ""),
    ]
    assert {i["actor"] for i in log} == {f"user:{me[0].id}"}
    assert {i["actor_name"] for i in log} == {"admin@example.com"}
    assert log[4]["target"] == f"campaign:{campaign.id}"
    assert log[5]["target"] == "page:spring"


async def test_a_refused_console_request_records_nothing(
    person: Person, db: Database, system: Database, main: Workspace, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=console_settings, contacts_count=1)
    viewer = await person(Role.VIEWER)

    crafted = await viewer.submit("/app", f"/app/campaigns/{campaign.id}/pause")

    assert crafted.status_code == 403
    entries = await audit.entries(system, main.id)
    assert [e.action for e in entries if not e.action.startswith("auth.")] == []


def test_every_state_changing_console_route_declares_its_audit_action() -> None:
    """Except signing in and out and switching workspaces (`accounts.signin` records those),
    the AI summary (it changes nothing) and the members' routes (`accounts.users.team`
    records those)."""
    unaudited = {
        route.path
        for route in _routes(console_router)
        if "POST" in route.methods
        and not any(getattr(d.call, "action", None) for d in route.dependant.dependencies)
    }
    assert unaudited == {
        "/app/login",
        "/app/logout",
        "/app/workspace",
        "/app/contacts/{ref}/summary",
        "/app/settings/members",
        "/app/settings/members/role",
        "/app/settings/members/remove",
        "/app/{rest:path}",  # the 404 page
    }
