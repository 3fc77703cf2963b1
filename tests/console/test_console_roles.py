"""The console shows each role only what it may do, and refuses a crafted request anyway."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from console_browser import Browser

from accounts.roles import Role
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import Workspace
from campaigns import service as campaigns
from campaigns.models import State
from crm.db import Database
from factories import make_ready_campaign
from kernel.settings import Settings

Person = Callable[[Role], Awaitable[Browser]]


async def test_a_viewer_sees_no_export_or_approve_and_a_crafted_post_is_refused(
    person: Person, db: Database, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=2, approve=False
    )
    viewer = await person(Role.VIEWER)

    contacts_page = await viewer.get("/app/contacts")
    campaign_page = await viewer.get(f"/app/campaigns/{campaign.id}")
    assert contacts_page.status_code == campaign_page.status_code == 200
    assert 'data-role="export"' not in contacts_page.text
    assert "/app/contacts/import" not in contacts_page.text
    assert 'data-action="approve"' not in campaign_page.text
    assert "Save as a new version" not in campaign_page.text

    crafted = await viewer.submit(
        f"/app/campaigns/{campaign.id}", f"/app/campaigns/{campaign.id}/approve"
    )
    assert crafted.status_code == 403
    assert "lacks the permission &#39;approve&#39;" in crafted.text
    assert (await campaigns.require(db, campaign.id)).state is State.REVIEW
    export = await viewer.get("/api/v1/contacts/export")
    assert export.status_code == 403


async def test_an_admin_sees_export_and_approve(
    person: Person, db: Database, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=2, approve=False
    )
    admin = await person(Role.ADMIN)

    assert 'data-role="export"' in (await admin.get("/app/contacts")).text
    assert 'data-action="approve"' in (await admin.get(f"/app/campaigns/{campaign.id}")).text
    export = await admin.get("/api/v1/contacts/export")
    assert export.status_code == 200 and "person0@example.com" in export.text


async def test_the_four_eyes_rule_holds_in_the_console(
    person: Person, db: Database, system: Database, main: Workspace, console_settings: Settings
) -> None:
    await workspaces.set_four_eyes(system, main.id, True, actor="cli")
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=2, approve=False
    )
    page = f"/app/campaigns/{campaign.id}"
    admin = await person(Role.ADMIN)

    edited = await admin.submit(
        page, f"{page}/assets/email/segment", {"body": "Hi,\n\nSee https://example.com/x\n\nBye"}
    )
    assert edited.status_code == 303
    refused = await admin.submit(page, f"{page}/approve")

    assert refused.status_code == 409
    assert "four-eyes rule" in refused.text
    assert (await campaigns.require(db, campaign.id)).state is State.REVIEW
