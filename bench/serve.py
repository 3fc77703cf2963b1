"""`crm serve` throughput: a hosted landing page vs a bare route returning the same bytes, and
the contacts list endpoint. One server process, load from a second process, 127.0.0.1 only.

    python bench/serve.py [--requests 3000] [--concurrency 16] [--seconds 20]

Target: `GET /lp/{slug}` at >= 0.6x the bare route's requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from _common import fresh_db, report, stored_contact

KEY = "bench-key"
SLUG = "bench"
ROOT = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def prepare(directory: Path, contacts: int) -> str:
    sys.path.insert(0, str(ROOT.parent / "tests"))
    from factories import make_page

    async with fresh_db(directory, "serve.db") as db:
        await make_page(db, slug=SLUG)
        rows = [stored_contact(email=f"p{i}@example.com") for i in range(contacts)]
        await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})
        return db.url


def serve(db_url: str, port: int) -> None:
    """The server process: the real app plus `/bare`, a plain route with the page's bytes."""
    import uvicorn
    from fastapi import Response

    from api.app import create_app
    from api.deps import AppState
    from kernel.settings import Settings
    from landing_pages import service
    from landing_pages.render import prerender

    app = create_app(Settings(db_url=db_url, api_keys=KEY, api_rate_limit=0))
    state: AppState = app.state.crm
    cached: list[bytes] = []

    @app.get("/bare", include_in_schema=False)
    async def bare() -> Response:
        if not cached:
            assert state.db is not None
            page = await service.published(state.db, SLUG)
            assert page is not None
            rendered = prerender(page.spec, title=page.title, action=f"/lp/{SLUG}/submit")
            cached.append(rendered.head + rendered.tail)
        return Response(cached[0], media_type="text/html; charset=utf-8")

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def load(url: str, requests: int, concurrency: int, seconds: float, auth: bool) -> None:
    """The load process: `requests` GETs (or until `seconds`), `concurrency` at a time."""
    headers = {"Authorization": f"Bearer {KEY}"} if auth else {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    done = errors = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as client:
        await client.get(url)  # warm up (page cache, connections)

        async def worker(share: int) -> None:
            nonlocal done, errors
            for _ in range(share):
                if time.perf_counter() > deadline:
                    return
                response = await client.get(url)
                done += 1
                errors += response.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(worker(requests // concurrency) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    print(json.dumps({"rps": done / elapsed, "requests": done, "errors": errors}))


def measure(url: str, args: argparse.Namespace, *, auth: bool = False) -> float:
    command = [sys.executable, __file__, "--load", url, "--requests", str(args.requests)]
    command += ["--concurrency", str(args.concurrency), "--seconds", str(args.seconds)]
    out = subprocess.run(
        command + (["--auth"] if auth else []), capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["errors"]:
        raise RuntimeError(f"{url}: {result['errors']} failed requests")
    return float(result["rps"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--serve", nargs=2, metavar=("DB_URL", "PORT"))
    parser.add_argument("--load")
    parser.add_argument("--auth", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    if args.load:
        asyncio.run(load(args.load, args.requests, args.concurrency, args.seconds, args.auth))
        return

    with tempfile.TemporaryDirectory() as tmp:
        db_url = asyncio.run(prepare(Path(tmp), args.contacts))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, __file__, "--serve", db_url, str(port)])
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            bare = measure(f"{base}/bare", args)
            page = measure(f"{base}/lp/{SLUG}", args)
            listed = measure(f"{base}/api/v1/contacts?limit=50", args, auth=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(
        "serve",
        {
            "bare_route_rps": bare,
            "landing_page_rps": page,
            "landing_page_vs_bare": page / bare,
            "contacts_list_rps": listed,
            "concurrency": args.concurrency,
        },
    )


if __name__ == "__main__":
    main()
