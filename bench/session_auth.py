"""What a browser session costs per request: `GET /auth/me` signed in with the session cookie
vs with an API key (the baseline), same app, same run, in process (httpx's ASGI transport), on
a surrealkv file whose system database holds many users, memberships and sessions; rounds
alternate. Also counts the database queries one request of each kind makes.

    python bench/session_auth.py [--users 2000] [--requests 300]

Run it on two trees to compare before/after a change to how sessions resolve.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from _common import fresh_db, report
from accounts.apikeys import service as apikeys
from accounts.roles import Role
from accounts.sessions import service as sessions
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from api.app import create_app
from api.deps import open_system_of
from crm.db import Database
from kernel.settings import Settings

ROUNDS = 4
PATH = "/auth/me"


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every statement batch sent to the database while inside."""
    seen: list[str] = []
    original = Database._query_once

    async def counting(self: Database, sql: str, params: dict[str, Any]) -> list[Any]:
        seen.append(sql)
        return await original(self, sql, params)

    Database._query_once = counting  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Database._query_once = original  # type: ignore[method-assign]


async def per_second(client: httpx.AsyncClient, headers: dict[str, str], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        answer = await client.get(PATH, headers=headers)
        assert answer.status_code == 200, answer.text
    return count / (time.perf_counter() - start)


async def bench(user_count: int, request_count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_db(Path(tmp), "sessions.db") as db:
            settings = Settings(db_url=db.url, api_rate_limit=0)
            app = create_app(settings, database=db)
            system = await open_system_of(app.state.crm)
            main = await workspaces.require(system, "main")
            token = ""
            for i in range(user_count):
                user = await users.add(system, f"u{i}@example.com", Role.EDITOR, main, None)
                token, _ = await sessions.start(system, user.id, main.id, hours=8)
            key = (await apikeys.create(system, "bench", Role.EDITOR, main)).key
            ways = {
                "session": {"cookie": f"crm_session={token}"},
                "key": {"Authorization": f"Bearer {key}"},
            }
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                queries = {}
                for name, headers in ways.items():
                    await per_second(client, headers, 20)  # warm up
                    with counted() as seen:
                        await per_second(client, headers, 1)
                    queries[name] = len(seen)
                rates: dict[str, list[float]] = {name: [] for name in ways}
                for _ in range(ROUNDS):
                    for name, headers in ways.items():
                        rates[name].append(await per_second(client, headers, request_count))
    session_rps, key_rps = max(rates["session"]), max(rates["key"])
    return {
        "users_with_sessions": user_count,
        "queries_per_session_request": queries["session"],
        "queries_per_key_request": queries["key"],
        "session_rps": session_rps,
        "key_rps": key_rps,
        "session_to_key_ratio": session_rps / key_rps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    report("session_auth", asyncio.run(bench(args.users, args.requests)))


if __name__ == "__main__":
    main()
