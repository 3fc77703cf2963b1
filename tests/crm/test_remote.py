"""crm.remote: a SurrealDB server through the SDK takes and returns crm's record ids."""

from __future__ import annotations

from datetime import UTC, datetime

from crm.db import Database, record
from crm.remote import RemoteServer
from kernel.settings import Settings


async def test_record_ids_cross_to_and_from_the_sdk() -> None:
    # The SDK's own in-memory engine stands in for a server: the same SDK calls and types.
    settings = Settings(db_url="mem://")
    server = await RemoteServer.open(settings)
    at = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    try:
        db = Database(server, settings.database_url, default=settings.db_database)
        await db.query("CREATE $id SET at = $at, tags = [$other]", {"id": record("note", "a"),
                       "at": at, "other": record("contact", "b")})  # fmt: skip
        rows = await db.one("SELECT * FROM note WHERE id = $id", {"id": record("note", "a")})
    finally:
        await server.close()

    assert rows == [{"id": record("note", "a"), "at": at, "tags": [record("contact", "b")]}]
    assert str(rows[0]["id"]) == "note:a"
