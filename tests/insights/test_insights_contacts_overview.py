"""The contact base as the dashboard and `GET /api/v1/analytics/contacts` show it: the total,
by status and by source, explicit consent, engaged and added in the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.db import Database, record
from crm.events import service as events
from factories import consent_record, make_contact
from insights import analytics


async def test_the_overview_counts_the_contact_base(db: Database) -> None:
    ada = await make_contact(db, email="ada@example.com", source="import")
    await make_contact(db, email="bo@example.com", source="import", status="customer")
    await make_contact(db, email="cy@example.com", consent=consent_record())
    old = await make_contact(db, email="di@example.com", status="customer")
    await db.query(
        "UPDATE $id SET created_at = $at",
        {"id": record("contact", old.id), "at": datetime.now(UTC) - timedelta(days=60)},
    )
    await events.record_event(db, ada.id, "email_opened")

    base = await analytics.contacts_overview(db)

    assert base.total == 4
    assert base.by_status == {"new": 2, "customer": 2}
    assert base.by_source == {"import": 2, "manual": 2}
    assert base.explicit_consent == 1
    assert base.engaged_recently == 1
    assert base.new_recently == 3


async def test_an_empty_base_is_all_zero(db: Database) -> None:
    base = await analytics.contacts_overview(db)

    assert (base.total, base.by_status, base.explicit_consent, base.new_recently) == (0, {}, 0, 0)
