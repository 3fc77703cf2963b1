"""`GET /api/v1/llm/calls`: the LLM call ledger, newest first, a run's calls alone, for any
role (`crm llm calls` goes through it when a server holds the database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.workspaces.models import Workspace
from crm.db import Database
from crm.llm_calls.repository import SurrealCallStore
from factories import llm_call

NOW = datetime.now(UTC)


async def test_the_ledger_lists_calls_newest_first_and_by_run(
    client: httpx.AsyncClient, db: Database, system: Database, main: Workspace
) -> None:
    store = SurrealCallStore(db)
    await store.record(llm_call(0.25, run="spring", at=NOW - timedelta(minutes=3)))
    await store.record(llm_call(None, run="autumn", at=NOW - timedelta(minutes=2)))
    await store.record(llm_call(1.0, run="spring", at=NOW - timedelta(minutes=1)))
    viewer = await apikeys.create(system, "reader", Role.VIEWER, main)
    headers = {"Authorization": f"Bearer {viewer.key}"}

    every = await client.get("/api/v1/llm/calls", headers=headers)
    spring = await client.get("/api/v1/llm/calls", params={"run": "spring"}, headers=headers)
    newest = await client.get("/api/v1/llm/calls", params={"limit": 1}, headers=headers)

    assert every.status_code == 200
    assert [c["cost"] for c in every.json()["items"]] == [1.0, None, 0.25]
    assert [c["cost"] for c in spring.json()["items"]] == [1.0, 0.25]
    assert [c["run"] for c in newest.json()["items"]] == ["spring"]
