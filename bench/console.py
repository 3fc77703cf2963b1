"""The web console vs the REST API for the same data, in the same run: the dashboard against
`GET /api/v1/analytics/contacts` (the contact base it shows) and the contacts page against
`GET /api/v1/contacts?limit=50` (the page it lists), both signed in with the same session
cookie, in process (httpx on the ASGI app), on a surrealkv file.

    python bench/console.py [--contacts 100000] [--repeat 15]

Target: each console page's p50 at most 1.5x its REST route's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from _common import fresh_db, report
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE
from api.app import create_app
from api.deps import open_system_of
from crm.db import Database
from kernel.settings import Settings

PASSWORD = "bench password 123"
PAIRS = {
    "dashboard": ("/app", "/api/v1/analytics/contacts"),
    "contacts": ("/app/contacts", "/api/v1/contacts?limit=50"),
}


async def fill(db: Database, count: int) -> None:
    statuses = ["new", "contacted", "engaged", "qualified", "customer"]
    for start in range(0, count, 2000):
        rows = [
            {
                "email": f"p{i}@example.com",
                "email_key": f"p{i}@example.com",
                "first_name": f"P{i}",
                "status": statuses[i % len(statuses)],
                "tags": ["vip"] if i % 10 == 0 else [],
            }
            for i in range(start, min(start + 2000, count))
        ]
        await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})


async def p50_ms(client: httpx.AsyncClient, path: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = await client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(samples)


async def bench(count: int, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_db(Path(tmp), "console.db") as db:
            await fill(db, count)
            settings = Settings(db_url=db.url, api_rate_limit=0)
            app = create_app(settings, database=db)
            system = await open_system_of(app.state.crm)
            main = await workspaces.require(system, DEFAULT_WORKSPACE)
            await users.add(system, "bench@example.com", Role.VIEWER, main, PASSWORD)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                signed = await client.post(
                    "/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
                )
                assert signed.status_code == 200, signed.text
                figures: dict[str, object] = {"contacts": count}
                for name, (console, rest) in PAIRS.items():
                    await p50_ms(client, console, 2)  # warm up both
                    await p50_ms(client, rest, 2)
                    page_ms = await p50_ms(client, console, repeat)
                    rest_ms = await p50_ms(client, rest, repeat)
                    figures[f"{name}_page_p50_ms"] = page_ms
                    figures[f"{name}_rest_p50_ms"] = rest_ms
                    figures[f"{name}_ratio"] = page_ms / rest_ms
                return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    report(
        "console pages vs REST (target: ratio <= 1.5)",
        asyncio.run(bench(args.contacts, args.repeat)),
    )


if __name__ == "__main__":
    main()
