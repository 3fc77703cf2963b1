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
VERSION = web.AppKey("version", str)


async def _rpc(request: web.Request) -> web.Response:
    call = decode(await request.read())
    request.app[CALLS].append({"method": call["method"], "db": request.headers.get("Surreal-DB")})
    if call["method"] == "query" and call["params"][0] == FAILING:
        body: dict[str, Any] = {"id": call["id"], "error": {"code": -32000, "message": "no luck"}}
    elif call["method"] == "query":  # the statement answers its parameters back
        answers = [{"status": "OK", "result": call["params"][1]}]
        if call["params"][0].startswith("BEGIN") and request.app[VERSION].startswith("3"):
            answers = [{"status": "OK", "result": None}, *answers, {"status": "OK", "result": None}]
        body = {"id": call["id"], "result": answers}
    elif call["method"] == "version":
        body = {"id": call["id"], "result": f"surrealdb-{request.app[VERSION]}"}
    else:
        body = {"id": call["id"], "result": None}
    return web.Response(body=encode(body), content_type="application/cbor")


@pytest.fixture(params=["2.3.10", "3.2.4"])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    app = web.Application()
    app[CALLS] = []
    app[VERSION] = request.param
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
    assert [c["method"] for c in calls] == ["use", "version", "query"]
    assert calls[-1]["db"] == "main"


async def test_a_transaction_answers_one_result_per_statement_on_servers_2_and_3(
    server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, _calls = server
    async with connect(Settings(db_url=url)) as db:
        results = await db.query("BEGIN; RETURN $x; COMMIT;", {"x": 1})

    assert results == [{"x": 1}]


async def test_an_error_the_server_answers_is_a_database_error(
    server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, _calls = server
    async with connect(Settings(db_url=url)) as db:
        with pytest.raises(DatabaseError, match="no luck"):
            await db.query(FAILING)
