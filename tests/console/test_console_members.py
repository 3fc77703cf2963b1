"""Settings → members and API keys: owners invite (an invitation mail, as `crm users add`
sends), re-role and remove members with the CLI's rules; admins revoke keys; the others see
no such control and a crafted request is refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from console_browser import PASSWORD, Browser

from accounts.apikeys import service as apikeys
from accounts.audit import service as audit
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces.models import Workspace
from api.deps import AppState
from crm.db import Database

Person = Callable[[Role], Awaitable[Browser]]
SETTINGS = "/app/settings"


async def _role(system: Database, email: str, main: Workspace) -> Role | None:
    found = await users.membership(system, email, main.id)
    return found.role if found else None


async def test_an_owner_invites_changes_a_role_and_removes_a_member(
    person: Person, system: Database, main: Workspace, state: AppState
) -> None:
    owner = await person(Role.OWNER)

    invited = await owner.submit(
        SETTINGS, SETTINGS + "/members", {"email": "bo@example.com", "role": "editor"}
    )
    assert invited.status_code == 303
    page = (await owner.get(SETTINGS)).text
    assert 'bo@example.com <span class="muted">(invited)</span>' in page
    mails = list((state.settings.outbox_path / "accounts").rglob("*.eml"))
    assert len(mails) == 1 and "bo@example.com" in mails[0].read_text()

    changed = await owner.submit(
        SETTINGS, SETTINGS + "/members/role", {"email": "bo@example.com", "role": "admin"}
    )
    assert changed.status_code == 303
    assert await _role(system, "bo@example.com", main) is Role.ADMIN
    removed = await owner.submit(
        SETTINGS, SETTINGS + "/members/remove", {"email": "bo@example.com"}
    )
    assert removed.status_code == 303
    assert await _role(system, "bo@example.com", main) is None

    entries = await audit.entries(system, main.id)
    done = [(e.action, e.target, e.actor_name) for e in entries if e.action.startswith("user.")]
    assert done == [
        ("user.remove", "bo@example.com", "owner@example.com"),
        ("user.role", "bo@example.com", "owner@example.com"),
        ("user.invite", "bo@example.com", "owner@example.com"),
    ]


async def test_the_last_owner_can_be_neither_demoted_nor_removed(
    person: Person, system: Database, main: Workspace
) -> None:
    owner = await person(Role.OWNER)

    demoted = await owner.submit(
        SETTINGS, SETTINGS + "/members/role", {"email": "owner@example.com", "role": "admin"}
    )
    removed = await owner.submit(
        SETTINGS, SETTINGS + "/members/remove", {"email": "owner@example.com"}
    )

    assert demoted.status_code == removed.status_code == 409
    assert "last owner" in demoted.text and "last owner" in removed.text
    assert await _role(system, "owner@example.com", main) is Role.OWNER


async def test_an_admin_revokes_a_key_but_manages_no_members(
    person: Person, system: Database, main: Workspace
) -> None:
    key = await apikeys.create(system, "ci", Role.VIEWER, main)
    await users.add(system, "bo@example.com", Role.EDITOR, main, PASSWORD)
    admin = await person(Role.ADMIN)

    page = (await admin.get(SETTINGS)).text
    assert "bo@example.com" in page and "/app/settings/members" not in page
    revoked = await admin.submit(SETTINGS, f"{SETTINGS}/keys/{key.id}/revoke")
    assert revoked.status_code == 303
    [listed] = await apikeys.list_keys(system, main)
    assert listed.revoked_at is not None
    invite = await admin.submit(
        SETTINGS, SETTINGS + "/members", {"email": "cy@example.com", "role": "viewer"}
    )
    promote = await admin.submit(
        SETTINGS, SETTINGS + "/members/role", {"email": "bo@example.com", "role": "owner"}
    )
    assert invite.status_code == promote.status_code == 403
    assert await _role(system, "bo@example.com", main) is Role.EDITOR
    assert await users.membership(system, "cy@example.com", main.id) is None


async def test_a_viewer_sees_no_owner_or_admin_control_and_crafted_posts_are_refused(
    person: Person, system: Database, main: Workspace
) -> None:
    key = await apikeys.create(system, "ci", Role.VIEWER, main)
    viewer = await person(Role.VIEWER)

    page = (await viewer.get(SETTINGS)).text
    assert "viewer@example.com" in page
    assert "<form" not in page.split("<h1>Settings</h1>", 1)[1]
    for action, data in [
        (f"{SETTINGS}/keys/{key.id}/revoke", {}),
        (f"{SETTINGS}/keys", {"name": "mine", "role": "admin"}),
        (f"{SETTINGS}/members", {"email": "cy@example.com", "role": "owner"}),
        (f"{SETTINGS}/members/role", {"email": "viewer@example.com", "role": "owner"}),
        (f"{SETTINGS}/members/remove", {"email": "viewer@example.com"}),
    ]:
        assert (await viewer.submit(SETTINGS, action, data)).status_code == 403, action
    assert await _role(system, "viewer@example.com", main) is Role.VIEWER
    [listed] = await apikeys.list_keys(system, main)
    assert listed.revoked_at is None
