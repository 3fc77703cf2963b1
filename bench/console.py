"""The web console vs the REST API for the same data, in the same run: the dashboard against
`GET /api/v1/analytics/contacts` plus `GET /api/v1/analytics/activity` (the contact base and
the last 30 days of sends, opens, clicks and submissions it shows; their p50s added) and the
contacts page against `GET /api/v1/contacts?limit=50` (the page it lists), both signed in
with the same session cookie, in process (httpx on the ASGI app), on a surrealkv file. The
contacts got a message each, and events (opens for 1 in 3, clicks for 1 in 10, submissions
for 1 in 50), spread over the last 60 days.

    python bench/console.py [--contacts 100000] [--repeat 15]

Target: each console page's p50 at most 1.5x its REST route's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from _common import fresh_db, report, stored_contact
from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE
from api.app import create_app
from api.deps import open_system_of
from crm.db import Database, record
from kernel.settings import Settings

PASSWORD = "bench password 123"
PAIRS = {
    "dashboard": ("/app", ["/api/v1/analytics/contacts", "/api/v1/analytics/activity"]),
    "contacts": ("/app/contacts", ["/api/v1/contacts?limit=50"]),
}
SPREAD = 60  # days the deliveries and events are spread over
EVENTS = {"email_opened": 3, "email_clicked": 10, "form_submitted": 50}  # 1 contact in N


async def fill(db: Database, count: int) -> None:
    statuses = ["new", "contacted", "engaged", "qualified", "customer"]
    for start in range(0, count, 2000):
        rows = [
            stored_contact(
                id=f"p{i}",
                email=f"p{i}@example.com",
                first_name=f"P{i}",
                status=statuses[i % len(statuses)],
                tags=["vip"] if i % 10 == 0 else [],
            )
            for i in range(start, min(start + 2000, count))
        ]
        await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})


async def fill_activity(db: Database, count: int) -> None:
    """A sent delivery per contact and events, spread over the last SPREAD days."""
    now = datetime.now(UTC)
    campaign = record("campaign", "bench")
    for start in range(0, count, 2000):
        people = range(start, min(start + 2000, count))
        deliveries = [
            {
                "campaign": campaign,
                "contact": record("contact", f"p{i}"),
                "channel": "email",
                "state": "sent",
                "sent_at": now - timedelta(days=i % SPREAD, minutes=i % 1440),
            }
            for i in people
        ]
        events = [
            {
                "contact": record("contact", f"p{i}"),
                "kind": kind,
                "at": now - timedelta(days=(i * 7) % SPREAD, minutes=i % 1440),
            }
            for kind, every in EVENTS.items()
            for i in people
            if i % every == 0
        ]
        await db.query(
            "INSERT INTO delivery $d RETURN NONE; INSERT INTO event $e RETURN NONE",
            {"d": deliveries, "e": events},
        )


async def timed_ms(client: httpx.AsyncClient, path: str) -> float:
    start = time.perf_counter()
    answer = await client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    assert answer.status_code == 200, (path, answer.status_code)
    return elapsed


async def p50s_ms(
    client: httpx.AsyncClient, console: str, rest: list[str], repeat: int
) -> tuple[float, float]:
    """The console page's p50 and the REST routes' (each round's times added); the two
    alternate round by round, so load from elsewhere falls on both alike."""
    page, api = [], []
    for _ in range(repeat):
        page.append(await timed_ms(client, console))
        api.append(sum([await timed_ms(client, path) for path in rest]))
    return statistics.median(page), statistics.median(api)


async def bench(count: int, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_db(Path(tmp), "console.db") as db:
            await fill(db, count)
            await fill_activity(db, count)
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
                    await p50s_ms(client, console, rest, 2)  # warm up
                    page_ms, rest_ms = await p50s_ms(client, console, rest, repeat)
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
