"""A session cookie resolves, in one query, to the user, their role in the session's workspace
and that workspace; nothing once it expired, was ended, or its workspace is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accounts.roles import Role
from accounts.sessions import service as sessions
from accounts.system import open_system
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from crm.db import Database, record
from kernel.settings import Settings


@pytest.fixture
async def system(db: Database, settings: Settings) -> Database:
    return await open_system(db, settings)


async def test_a_session_resolves_to_its_user_role_and_workspace(system: Database) -> None:
    acme = await workspaces.create(system, "Acme")
    ana = await users.add(system, "ana@example.com", Role.EDITOR, acme, "correct horse battery")
    token, started = await sessions.start(system, ana.id, acme.id, hours=1)

    found = await sessions.resolve(system, token)

    assert found is not None
    assert (found.session.id, found.email, found.role) == (started.id, ana.email, Role.EDITOR)
    assert found.workspace == acme
    later = datetime.now(UTC) + timedelta(hours=2)
    assert await sessions.resolve(system, token, now=later) is None
    assert await sessions.resolve(system, token + "x") is None
    assert await sessions.resolve(system, "") is None


async def test_nothing_once_the_session_ended_or_its_workspace_is_gone(system: Database) -> None:
    acme = await workspaces.create(system, "Acme")
    ana = await users.add(system, "ana@example.com", Role.OWNER, acme, "correct horse battery")
    first, _ = await sessions.start(system, ana.id, acme.id, hours=1)
    second, _ = await sessions.start(system, ana.id, acme.id, hours=1)

    await sessions.end(system, first)
    assert await sessions.resolve(system, first) is None
    await system.query("DELETE $w", {"w": record("workspace", acme.id)})
    assert await sessions.resolve(system, second) is None
