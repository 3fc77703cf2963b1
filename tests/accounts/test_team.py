"""A workspace's people: invitations by email with a single-use, expiring link; the last owner
stays; every change audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from accounts.audit import service as audit
from accounts.roles import Role
from accounts.system import open_system
from accounts.users import links, team
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from crm.db import Database
from kernel.errors import Conflict, Forbidden, ValidationFailed
from kernel.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
async def system(db: Database, outbox_settings: Settings) -> Database:
    return await open_system(db, outbox_settings)


@pytest.fixture
async def main(system: Database) -> Workspace:
    return await workspaces.require(system, DEFAULT_WORKSPACE)


def _read(path: str) -> EmailMessage:
    parsed: Any = message_from_bytes(Path(path).read_bytes(), policy=policy.default)
    return parsed  # type: ignore[no-any-return]


def _token(path: str) -> str:
    text = _read(path).get_content()
    found = re.search(r"/auth/set-password\?token=(\S+)", text)
    assert found, text
    return found.group(1)


async def test_an_invitation_link_sets_the_password_once(
    system: Database, main: Workspace, outbox_settings: Settings
) -> None:
    added = await team.add(
        system, outbox_settings, "Ana@Example.com", Role.EDITOR, main, password=None, actor="cli"
    )

    assert added.pending and added.invitation is not None
    email = _read(added.invitation.sent_via)
    assert email["To"] == "ana@example.com"
    assert "invited to the workspace 'main'" in email.get_content()
    token = _token(added.invitation.sent_via)
    assert (await users.members(system, main.id))[0].pending
    assert await users.authenticate(system, "ana@example.com", PASSWORD) is None

    await links.use(system, outbox_settings, token, PASSWORD)

    assert await users.authenticate(system, "ana@example.com", PASSWORD) is not None
    assert not (await users.members(system, main.id))[0].pending
    with pytest.raises(ValidationFailed, match="used already"):
        await links.use(system, outbox_settings, token, "another password 1")
    actions = [(e.action, e.actor, e.target) for e in await audit.entries(system, main.id)]
    assert actions == [
        ("user.password_set", f"user:{added.user}", "ana@example.com"),
        ("user.invite", "cli", "ana@example.com"),
    ]


async def test_a_newer_link_replaces_the_older_and_links_expire(
    system: Database, main: Workspace, outbox_settings: Settings
) -> None:
    await team.add(
        system, outbox_settings, "ana@example.com", Role.VIEWER, main, password=None, actor="cli"
    )
    first = await links.request_reset(system, outbox_settings, "ana@example.com", main, actor="x")
    second = await links.request_reset(system, outbox_settings, "ANA@example.com", main, actor="x")
    assert first is not None and second is not None and first.purpose == "reset"

    with pytest.raises(ValidationFailed, match="a newer one was sent"):
        await links.use(system, outbox_settings, _token(first.sent_via), PASSWORD)
    later = datetime.now(UTC) + timedelta(hours=outbox_settings.reset_hours, minutes=1)
    with pytest.raises(ValidationFailed, match="expired"):
        await links.use(system, outbox_settings, _token(second.sent_via), PASSWORD, now=later)
    forged = _token(second.sent_via)[:-2] + "xx"
    with pytest.raises(ValidationFailed, match="not valid"):
        await links.use(system, outbox_settings, forged, PASSWORD)
    assert (
        await links.request_reset(system, outbox_settings, "nobody@x.org", main, actor="x") is None
    )


async def test_the_last_owner_can_be_neither_removed_nor_demoted(
    system: Database, main: Workspace, outbox_settings: Settings
) -> None:
    for email, role in [("owner@example.com", Role.OWNER), ("ed@example.com", Role.EDITOR)]:
        await team.add(system, outbox_settings, email, role, main, password=None, actor="cli")

    with pytest.raises(Conflict, match="last owner of workspace 'main'"):
        await team.remove(system, "owner@example.com", main, actor="cli")
    with pytest.raises(Conflict, match="last owner"):
        await team.set_role(system, "owner@example.com", Role.ADMIN, main, actor="cli")

    await team.set_role(system, "ed@example.com", Role.OWNER, main, actor="cli")
    await team.remove(system, "owner@example.com", main, actor="cli")
    assert [(m.email, m.role) for m in await team.members(system, main)] == [
        ("ed@example.com", Role.OWNER)
    ]
    recorded = [e.action for e in await audit.entries(system, main.id)]
    assert recorded[:2] == ["user.remove", "user.role"]


async def test_a_user_with_a_password_joins_another_workspace_without_an_email(
    system: Database, main: Workspace, outbox_settings: Settings
) -> None:
    acme = await workspaces.create(system, "Acme")
    await users.add(system, "ana@example.com", Role.EDITOR, main, PASSWORD)

    added = await team.add(
        system, outbox_settings, "ana@example.com", Role.ADMIN, acme, password=None, actor="cli"
    )

    assert (added.role, added.pending, added.invitation) == (Role.ADMIN, False, None)
    assert not (outbox_settings.outbox_path / "accounts").exists()
    assert [(e.action, e.details) for e in await audit.entries(system, acme.id)] == [
        ("user.add", {"role": "admin"})
    ]
    assert await users.role_in(system, added.user, main.id) is Role.EDITOR


async def test_nobody_grants_a_role_above_their_own(
    system: Database, main: Workspace, outbox_settings: Settings
) -> None:
    await users.add(system, "bo@example.com", Role.EDITOR, main, PASSWORD)

    with pytest.raises(Forbidden, match="cannot grant the role owner"):
        await team.set_role(system, "bo@example.com", Role.OWNER, main, actor="x", by=Role.ADMIN)
    with pytest.raises(Forbidden, match="cannot grant the role admin"):
        await team.add(
            system,
            outbox_settings,
            "cy@example.com",
            Role.ADMIN,
            main,
            password=None,
            actor="x",
            by=Role.EDITOR,
        )

    assert (await users.membership(system, "bo@example.com", main.id)).role is Role.EDITOR  # type: ignore[union-attr]
    assert await users.membership(system, "cy@example.com", main.id) is None
    promoted = await team.set_role(
        system, "bo@example.com", Role.ADMIN, main, actor="x", by=Role.ADMIN
    )
    assert promoted.role is Role.ADMIN
