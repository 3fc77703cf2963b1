"""The cost of roles and workspaces on the API.

    python bench/api_roles.py [--contacts 20000] [--requests 400]

1. Requests/s of `GET /api/v1/contacts` (a page of 50) with its role check vs the same app
   with the check overridden away (role-free baseline), same run, in process (httpx's ASGI
   transport), authenticated by a stored API key both ways; rounds alternate. Target: >= 0.9.
2. The `USE DB` prefix a non-default workspace puts before each query: the same contacts page
   on the default database vs on a workspace's own database holding the same contacts.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from _common import median_ms, report, stored_contact
from accounts.apikeys import service as apikeys
from accounts.roles import Permission, Role
from accounts.system import open_system
from accounts.workspaces import service as workspaces
from api import permissions
from api.app import create_app
from crm.contacts import service as contacts
from crm.contacts.repository import ContactFilter
from crm.db import Database, connect
from crm.schema import migrate
from kernel.settings import Settings

ROUNDS = 4
PAGE = "/api/v1/contacts?limit=50"


async def fill(db: Database, count: int) -> None:
    for start in range(0, count, 2000):
        rows = [
            stored_contact(email=f"p{i}@example.com", first_name=f"P{i}")
            for i in range(start, min(start + 2000, count))
        ]
        await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})


async def requests_per_second(client: httpx.AsyncClient, key: str, count: int) -> float:
    headers = {"Authorization": f"Bearer {key}"}
    start = time.perf_counter()
    for _ in range(count):
        answer = await client.get(PAGE, headers=headers)
        assert answer.status_code == 200, answer.text
    return count / (time.perf_counter() - start)


async def no_check() -> None:
    return None


async def bench(contact_count: int, request_count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            db_url=f"surrealkv://{Path(tmp) / 'roles.db'}",
            secret_key="bench-secret",  # type: ignore[arg-type]
            api_rate_limit=1_000_000,
        )
        async with connect(settings) as db:
            await migrate(db)
            system = await open_system(db, settings)
            main = await workspaces.require(system, "main")
            other = await workspaces.create(system, "bench")
            other_db = workspaces.data(system, other)
            await fill(db, contact_count)
            await fill(other_db, contact_count)
            key = (await apikeys.create(system, "bench", Role.VIEWER, main)).key

            checked = create_app(settings, database=db)
            free = create_app(settings, database=db)
            # The role-free baseline: the same app with the READ check replaced by nothing.
            free.dependency_overrides[permissions._check(Permission.READ)] = no_check
            rates: dict[str, list[float]] = {"checked": [], "free": []}
            for app in (checked, free):  # warm both (system database opened, caches filled)
                async with _client(app) as client:
                    await requests_per_second(client, key, 20)
            for _ in range(ROUNDS):
                for name, app in (("checked", checked), ("free", free)):
                    async with _client(app) as client:
                        rates[name].append(await requests_per_second(client, key, request_count))

            flt = ContactFilter()
            on_main = await median_ms(lambda: contacts.list_page(db, flt, limit=50), repeat=31)
            on_workspace = await median_ms(
                lambda: contacts.list_page(other_db, flt, limit=50), repeat=31
            )
    with_check, without = max(rates["checked"]), max(rates["free"])
    return {
        "contacts": contact_count,
        "requests_per_round": request_count,
        "with_role_check_rps": with_check,
        "role_free_rps": without,
        "ratio": with_check / without,
        "target_ratio": 0.9,
        "page_on_default_db_ms": on_main,
        "page_on_workspace_db_ms": on_workspace,
        "use_db_ratio": on_workspace / on_main,
    }


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    report("api_roles", asyncio.run(bench(args.contacts, args.requests)))


if __name__ == "__main__":
    main()
