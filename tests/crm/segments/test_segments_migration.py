"""Migrations 0009 and 0011: contacts engaged before them get their last open, click and
submission, and the campaigns they opened, clicked and sent a form for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from crm.db import Database, record
from crm.schema import migrate
from crm.segments import service
from factories import migrated_before


@pytest.fixture
async def db_before_0009(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    async for db in migrated_before(9, monkeypatch):
        yield db


@pytest.fixture
async def db_before_0011(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    async for db in migrated_before(11, monkeypatch):
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


async def test_an_upgrade_fills_in_which_campaigns_contacts_engaged_with(
    db_before_0011: Database,
) -> None:
    db = db_before_0011
    await db.query(
        "CREATE campaign:spring CONTENT {name: 'Spring launch', segment: 'all', brief: {},"
        " channels: []};"
        "CREATE campaign:autumn CONTENT {name: 'Autumn', segment: 'all', brief: {}, channels: []};"
        "CREATE contact:a CONTENT {email: 'a@x.com', email_key: 'a@x.com'};"
        "CREATE contact:b CONTENT {email: 'b@x.com', email_key: 'b@x.com'};"
        "CREATE contact:c CONTENT {email: 'c@x.com', email_key: 'c@x.com'};"
    )
    a, b = record("contact", "a"), record("contact", "b")
    events = [
        (a, "email_opened", {"campaign": "spring"}),
        (a, "email_clicked", {"campaign": "spring"}),
        (a, "email_clicked", {"campaign": "spring"}),
        (a, "email_opened", {"campaign": "autumn"}),
        (b, "form_submitted", {"campaign": "autumn", "page": "p"}),
        (b, "form_submitted", {"page": "no-campaign"}),
        (b, "enriched", {"campaign": "spring"}),
    ]
    await db.query(
        "INSERT INTO event $events RETURN NONE",
        {"events": [{"contact": c, "kind": kind, "data": data} for c, kind, data in events]},
    )

    await migrate(db)

    rows = await db.one(
        "SELECT record::id(id) AS id, opened_campaigns, clicked_campaigns, submitted_campaigns"
        " FROM contact ORDER BY id"
    )
    assert [{k: sorted(v) if k != "id" else v for k, v in row.items()} for row in rows] == [
        {
            "id": "a",
            "opened_campaigns": ["autumn", "spring"],
            "clicked_campaigns": ["spring"],
            "submitted_campaigns": [],
        },
        {
            "id": "b",
            "opened_campaigns": [],
            "clicked_campaigns": [],
            "submitted_campaigns": ["autumn"],
        },
        {"id": "c", "opened_campaigns": [], "clicked_campaigns": [], "submitted_campaigns": []},
    ]
    assert await service.count(db, rule='opened campaign "Autumn"') == 1
    assert (
        await service.count(db, rule='clicked campaign "spring" or submitted campaign "autumn"')
        == 2
    )
    assert await service.count(db, rule='not clicked campaign "Spring launch"') == 2
