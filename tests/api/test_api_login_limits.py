"""Failed sign-ins lock the account (and the address) for a while; a success clears the count."""

from __future__ import annotations

import httpx
import pytest

from accounts.audit import service as audit
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces.models import Workspace
from api.deps import AppState
from conftest import FakeClock
from crm.db import Database

PASSWORD = "correct horse battery"


def _login(email: str, password: str) -> dict[str, str]:
    return {"email": email, "password": password}


@pytest.fixture
def limits(state: AppState) -> None:
    state.settings = state.settings.model_copy(
        update={"login_max_failures": 3, "login_max_failures_per_ip": 5}
    )


@pytest.mark.usefixtures("limits")
async def test_an_account_is_locked_after_too_many_failures_even_for_the_right_password(
    client: httpx.AsyncClient, system: Database, main: Workspace, clock: FakeClock
) -> None:
    await users.add(system, "ana@example.com", Role.EDITOR, main, PASSWORD)
    for _ in range(3):
        wrong = await client.post("/auth/login", json=_login("ana@example.com", "guess guess 1"))
        assert wrong.status_code == 401

    locked = await client.post("/auth/login", json=_login("ana@example.com", PASSWORD))

    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) == 15 * 60
    message = locked.json()["error"]["message"]
    assert "too many failed sign-ins for this account" in message
    assert "UTC (in 15 min)" in message
    clock.advance(15 * 60 + 1)
    assert (
        await client.post("/auth/login", json=_login("ana@example.com", PASSWORD))
    ).status_code == 200
    entries = await audit.entries(system, main.id)
    assert (entries[0].action, entries[0].actor_name, entries[0].ip) == (
        "auth.login",
        "ana@example.com",
        "203.0.113.7",
    )
    failed = [e for e in entries if e.action == "auth.login_failed"]
    assert [e.details["reason"] for e in failed] == ["locked", "wrong", "wrong", "wrong"]
    assert all(e.target == "ana@example.com" and e.ip == "203.0.113.7" for e in failed)
    assert all(PASSWORD not in str(e.model_dump()) for e in failed)


@pytest.mark.usefixtures("limits")
async def test_a_success_resets_the_count_and_an_address_trying_many_accounts_is_locked(
    client: httpx.AsyncClient, system: Database, main: Workspace
) -> None:
    await users.add(system, "ana@example.com", Role.EDITOR, main, PASSWORD)
    for _ in range(2):
        await client.post("/auth/login", json=_login("ana@example.com", "guess guess 1"))
    assert (
        await client.post("/auth/login", json=_login("ana@example.com", PASSWORD))
    ).status_code == 200
    # Two more failures: 2 since the success, not 4, so the account is not locked.
    for n in range(2):
        await client.post("/auth/login", json=_login(f"nobody{n}@example.com", "x" * 12))
    assert (
        await client.post("/auth/login", json=_login("ana@example.com", "guess guess 2"))
    ).status_code == 401

    # The address has now failed 5 times (2 + 2 + 1): locked, whoever it signs in as.
    answer = await client.post("/auth/login", json=_login("ana@example.com", PASSWORD))
    assert answer.status_code == 429
    assert "for this address" in answer.json()["error"]["message"]
