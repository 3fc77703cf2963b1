"""Migration 0009: contacts engaged before it get their last open, click and submission."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from crm import schema
from crm.db import Database, connect, record
from crm.schema import available, migrate
from crm.segments import service
from crm.settings import Settings


@pytest.fixture
async def db_before_0009(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    async with connect(Settings(db_url="mem://")) as db:
        with monkeypatch.context() as before:
            before.setattr(schema, "available", lambda: [m for m in available() if m.version < 9])
            await migrate(db)
        yield db


async def test_an_upgrade_fills_in_when_contacts_last_engaged(
    db_before_0009: Database,
) -> None:
    db = db_before_0009
    now = datetime.now(UTC)
    await db.query(
        "CREATE contact:a CONTENT {email: 'a@x.com', email_key: 'a@x.com'};"
        "CREATE contact:b CONTENT {email: 'b@x.com', email_key: 'b@x.com'};"
    )
    a, b = record("contact", "a"), record("contact", "b")
    events = [
        (a, "email_opened", 30),
        (a, "email_opened", 2),
        (a, "form_submitted", 5),
        (b, "email_clicked", 9),
        (b, "enriched", 0),
    ]
    await db.query(
        "INSERT INTO event $events RETURN NONE",
        {
            "events": [
                {"contact": c, "kind": kind, "at": now - timedelta(days=days)}
                for c, kind, days in events
            ]
        },
    )

    await migrate(db)

    rows = await db.one(
        "SELECT record::id(id) AS id, last_opened_at, last_clicked_at, last_submitted_at"
        " FROM contact ORDER BY id"
    )
    assert rows == [
        {
            "id": "a",
            "last_opened_at": now - timedelta(days=2),
            "last_clicked_at": None,
            "last_submitted_at": now - timedelta(days=5),
        },
        {
            "id": "b",
            "last_opened_at": None,
            "last_clicked_at": now - timedelta(days=9),
            "last_submitted_at": None,
        },
    ]
    assert await service.count(db, rule="opened within 7d or clicked") == 2
    assert await service.count(db, rule="submitted within 3d") == 0
