"""Migration 0013: what earlier runs recorded as done stays done after the upgrade."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from crm.db import Database, plain, record
from crm.enrichment import service
from crm.enrichment.apply import Planner
from crm.enrichment.models import RunOptions
from crm.enrichment.registry import DETERMINISTIC
from crm.schema import migrate
from factories import migrated_before


@pytest.fixture
async def db_before_0013(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    async for db in migrated_before(13, monkeypatch):
        yield db


async def test_fingerprints_recorded_as_an_object_still_count(db_before_0013: Database) -> None:
    db = db_before_0013
    contact = {"id": "a", "email": "ada@gmail.com", "email_key": "ada@gmail.com", "title": "CTO",
               "custom": {}}  # fmt: skip
    # What a run before 0013 stored: the values, and one fingerprint per enricher as an object.
    outcome = Planner(DETERMINISTIC, only=frozenset(), overwrite_enriched=False).plan(contact, {})
    await db.query(
        "CREATE contact:a CONTENT $row",
        {"row": {k: v for k, v in contact.items() if k != "id"}
                | outcome.changes | {"enrichment_runs": outcome.runs}},
    )  # fmt: skip
    await db.query("CREATE contact:b CONTENT {email: 'b@example.com', email_key: 'b@example.com'}")

    await migrate(db)

    report = await service.run(db, RunOptions())
    assert (report.processed, report.skipped, report.changed) == (2, 1, 1)
    runs = await db.one("SELECT VALUE enrichment_runs FROM ONLY contact:a")
    assert dict(item.split(":") for item in runs.split()) == outcome.runs
    # A contact no run had looked at gets enriched as before, and is done afterwards.
    b = await db.one("SELECT VALUE email_domain FROM ONLY $id", {"id": record("contact", "b")})
    assert plain(b) == "example.com"
    assert (await service.run(db, RunOptions())).skipped == 2
