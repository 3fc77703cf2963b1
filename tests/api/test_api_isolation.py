"""Workspace isolation over every operation of the OpenAPI document: a key of workspace B never
sees, changes or learns of workspace A's records (404, never 403), and public pages and links
of one workspace do not work in another."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.workspaces import service as workspaces
from api.deps import AppState
from campaigns.tracking import Tokens, click_payload, unsubscribe_payload
from crm.contacts import service as contacts
from crm.db import Database
from factories import (
    make_company,
    make_contact,
    make_page,
    make_ready_campaign,
    make_schedule,
    make_segment,
)
from kernel.settings import Settings
from openapi_ops import Operation, body, operations

API = "/api/v1/"


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _workspace_a(
    system: Database, state: AppState, settings: Settings, client: httpx.AsyncClient
) -> tuple[dict[str, list[str]], str, Any]:
    """Workspace A with one of each kind of record: the refs each collection's paths take,
    A's owner key, and A."""
    a = await workspaces.create(system, "A")
    db = workspaces.data(system, a)
    own = workspaces.settings_for(settings, a)
    campaign = await make_ready_campaign(db, settings=own, approve=False)
    contact = await make_contact(db, email="ada@example.com")
    company = await make_company(db, name="Initech")
    segment = await make_segment(db, name="vips", rule='tags contains "vip"')
    schedule = await make_schedule(db, target=campaign.id)
    page = await make_page(db, slug="a-page")
    key = await apikeys.create(system, "a owner", Role.OWNER, a)

    async def work() -> dict[str, str]:
        return {"done": "yes"}

    job = state.jobs.submit(a.id, "test", work)
    await state.jobs.wait(job.id)
    # An audit entry in A, through its API.
    made = await client.post(
        f"{API}apikeys", json={"name": "a sync", "role": "viewer"}, headers=_bearer(key.key)
    )
    assert made.status_code == 201
    refs = {
        "contacts": [contact.id, contact.email],
        "companies": [company.id, company.name],
        "segments": [segment.id, segment.name],
        "campaigns": [campaign.id, campaign.name],
        "schedules": [schedule.id],
        "landing-pages": [page.id, page.slug],
        "jobs": [job.id],
        "apikeys": [made.json()["id"], made.json()["prefix"]],
    }
    return refs, key.key, a


def _values(op: Operation, ref: str) -> dict[str, str]:
    return {name: {"channel": "email", "variant": "segment"}.get(name, ref) for name in op.params}


async def _snapshot(
    app: FastAPI, client: httpx.AsyncClient, refs: dict[str, list[str]], key: str
) -> dict[str, Any]:
    """What A's own key reads on every GET operation (not those that record an audit entry)."""
    seen = {}
    for op in operations(app):
        if op.method != "get" or not op.path.startswith(API) or "x-audit" in op.spec:
            continue
        url = op.url(_values(op, refs[op.collection][0])) if op.params else op.path
        answer = await client.get(url, headers=_bearer(key))
        seen[url] = (answer.status_code, answer.text)
    return seen


async def test_a_key_of_another_workspace_never_sees_nor_changes_a_record(
    app: FastAPI,
    client: httpx.AsyncClient,
    system: Database,
    state: AppState,
    api_settings: Settings,
) -> None:
    refs, a_key, _ = await _workspace_a(system, state, api_settings, client)
    b = await workspaces.create(system, "B")
    b_key = (await apikeys.create(system, "b owner", Role.OWNER, b)).key
    before = await _snapshot(app, client, refs, a_key)
    assert all(status == 200 for status, _ in before.values()), before
    markers = [ref for found in refs.values() for ref in found[:1]] + ["ada@example.com"]
    wrong = []

    for op in operations(app):
        if not op.path.startswith(API):
            continue
        if not op.params:
            if op.method == "get":
                listed = await client.get(op.path, headers=_bearer(b_key))
                wrong += [f"{op} shows {m}" for m in markers if m in listed.text]
            continue
        if op.collection not in refs:
            wrong.append(f"{op}: no record of workspace A for {op.collection!r}")
            continue
        for ref in refs[op.collection]:
            answer = await client.request(
                op.method, op.url(_values(op, ref)), json=body(app, op), headers=_bearer(b_key)
            )
            if answer.status_code != 404:
                wrong.append(f"{op} with {ref}: {answer.status_code} {answer.text[:100]}")

    assert wrong == []
    assert await _snapshot(app, client, refs, a_key) == before


async def test_public_pages_and_links_work_only_in_their_own_workspace(
    client: httpx.AsyncClient, system: Database, api_settings: Settings
) -> None:
    a = await workspaces.create(system, "A")
    b = await workspaces.create(system, "B")
    a_db, b_db = workspaces.data(system, a), workspaces.data(system, b)
    await make_page(a_db, slug="a-page")
    await make_page(b_db, slug="b-page")
    contact = await make_contact(a_db, email="ada@example.com")
    tokens = Tokens(workspaces.settings_for(api_settings, a).signing_key())
    unsubscribe = tokens.make("unsubscribe", unsubscribe_payload("c1", contact.id))
    click = tokens.make("click", click_payload("d1", "c1", contact.id, "https://example.com/x"))

    assert (await client.get(f"/w/{a.id}/lp/a-page")).status_code == 200
    assert (await client.get(f"/w/{b.id}/lp/a-page")).status_code == 404
    assert (await client.get("/lp/a-page")).status_code == 404
    assert (await client.get("/lp/b-page")).status_code == 404
    assert (await client.get(f"/w/{b.id}/lp/b-page")).status_code == 200

    for where in (f"/w/{b.id}", ""):
        assert (await client.get(f"{where}/t/c/{click}")).status_code == 400
        assert (await client.post(f"{where}/unsubscribe/{unsubscribe}")).status_code == 400
    assert (await contacts.require(a_db, contact.id)).status.value != "unsubscribed"

    assert (await client.post(f"/w/{a.id}/unsubscribe/{unsubscribe}")).status_code == 200
    assert (await contacts.require(a_db, contact.id)).status.value == "unsubscribed"
