"""crm.remote over HTTP: a fake SurrealDB server on 127.0.0.1 answering the SDK's RPC calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from crm.db import connect, record
from crm.wire import decode, encode
from kernel.errors import DatabaseError
from kernel.settings import Settings

FAILING = "SELECT * FROM broken"
CALLS = web.AppKey("calls", list)


async def _rpc(request: web.Request) -> web.Response:
    call = decode(await request.read())
    request.app[CALLS].append({"method": call["method"], "db": request.headers.get("Surreal-DB")})
    if call["method"] == "query" and call["params"][0] == FAILING:
        body: dict[str, Any] = {"id": call["id"], "error": {"code": -32000, "message": "no luck"}}
    elif call["method"] == "query":  # the statement answers its parameters back
        body = {"id": call["id"], "result": [{"status": "OK", "result": call["params"][1]}]}
    else:
        body = {"id": call["id"], "result": None}
    return web.Response(body=encode(body), content_type="application/cbor")


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    app = web.Application()
    app[CALLS] = []
    app.router.add_post("/rpc", _rpc)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", app[CALLS]
    finally:
        await runner.cleanup()


async def test_queries_go_to_an_http_server_with_crm_record_ids_both_ways(
    server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, calls = server
    async with connect(Settings(db_url=url, db_database="main")) as db:
        echoed = await db.one("RETURN $x", {"x": {"id": record("contact", "k1"), "n": 2}})

    assert echoed == {"x": {"id": record("contact", "k1"), "n": 2}}
    assert calls == [{"method": "use", "db": None}, {"method": "query", "db": "main"}]


async def test_an_error_the_server_answers_is_a_database_error(
    server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, _calls = server
    async with connect(Settings(db_url=url)) as db:
        with pytest.raises(DatabaseError, match="no luck"):
            await db.query(FAILING)
