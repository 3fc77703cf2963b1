"""A SurrealDB server (ws/http), through the SDK: imported only for one.

The SDK has its own record id type; values cross between it and crm.wire's here
(`to_sdk`, `from_sdk`), so the rest of crm sees one type whatever the database.
"""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from typing import Any

from surrealdb import AsyncSurreal

from crm.wire import from_sdk, to_sdk
from kernel.settings import Settings


class RemoteServer:
    """A connection to a SurrealDB server, signed in and on the configured database."""

    def __init__(self, conn: Any, stack: AsyncExitStack, version: str) -> None:
        self._conn = conn
        self._stack = stack
        # SurrealDB 3 answers BEGIN and COMMIT with a result each, SurrealDB 2 with none.
        major = re.search(r"(\d+)\.\d+", version)
        self.answers_transaction_statements = major is not None and int(major[1]) >= 3

    @classmethod
    async def open(cls, settings: Settings) -> RemoteServer:
        # Entered as a context: what opens and closes a connection differs by protocol (the
        # WebSocket connects and closes; over HTTP, a session of requests starts and ends).
        async with AsyncExitStack() as stack:
            # Any: the SDK's template type leaves out `version`, which both protocols answer.
            conn: Any = await stack.enter_async_context(AsyncSurreal(settings.database_url))
            if settings.db_user:
                await conn.signin({"username": settings.db_user, "password": settings.db_password})
            await conn.use(settings.db_namespace, settings.db_database)
            return cls(conn, stack.pop_all(), await conn.version())
        raise AssertionError("unreachable")  # pragma: no cover

    async def query_raw(self, sql: str, params: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = from_sdk(await self._conn.query_raw(sql, to_sdk(params)))
        return response

    async def close(self) -> None:
        await self._stack.aclose()
