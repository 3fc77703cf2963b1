"""Migration 0012: provenance stored per field before it keeps working after the upgrade."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from crm.contacts import service as contacts
from crm.contacts.service import timeline
from crm.db import Database, record
from crm.enrichment import service
from crm.enrichment.models import RunOptions
from crm.schema import migrate
from factories import migrated_before

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
async def db_before_0012(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    async for db in migrated_before(12, monkeypatch):
        yield db


async def test_per_field_provenance_is_converted(db_before_0012: Database) -> None:
    db = db_before_0012
    old = {
        "seniority": {"enricher": "title", "at": AT, "confidence": 0.85,
                      "reason": "title says 'cto'", "value": "c_level"},
        "country": {"enricher": "country", "at": AT, "confidence": 0.99,
                    "reason": "'Germany' is DE", "value": "DE", "previous": "Germany"},
    }  # fmt: skip
    await db.query(
        "CREATE contact:a CONTENT {email: 'a@b.com', email_key: 'a@b.com', title: 'Head of IT',"
        " seniority: 'c_level', country: 'DE', enrichment: $old};"
        "INSERT INTO event {contact: contact:a, kind: 'enriched', at: $at,"
        " data: {changes: {seniority: 'c_level', country: 'DE'}, previous: {country: 'Germany'}}}",
        {"old": old, "at": AT},
    )

    await migrate(db)

    enrichment = (await contacts.require(db, "a")).enrichment
    assert enrichment["seniority"].model_dump() == old["seniority"] | {"previous": None}
    assert enrichment["country"].model_dump() == old["country"]
    # The stored event stays the only one for that run.
    assert [e["kind"] for e in await timeline(db, "a")] == ["enriched"]
    # Converted provenance still tells enriched values from a user's.
    await service.run(db, RunOptions(overwrite_enriched=True))
    row = await db.one("SELECT VALUE seniority FROM ONLY $id", {"id": record("contact", "a")})
    assert row == "head"
    events = await timeline(db, "a")
    assert events[0]["data"]["previous"] == {"seniority": "c_level"}
    assert len(events) == 2
