"""A contact that has no count, flag or campaign list stored yet (migration 0019) meets a rule
exactly as one that stores the empty value (0, false, []): rules decide for the missing value
once, not per contact (crm.segments.rules)."""

from __future__ import annotations

import pytest

from crm.db import Database
from crm.segments import service

RULES = [
    *(f"opens {op} {n}" for op in ("=", "!=", "<", "<=", ">", ">=") for n in (0, 1)),
    "opens in [0, 2]", "opens not in [0, 2]", "not opens > 0", "not opens >= 0",
    "engagement_score < 0.5", "engagement_score >= 0", "consent_explicit = false",
    "consent_explicit = true", "not consent_explicit = false",
]  # fmt: skip


@pytest.mark.parametrize("rule", RULES)
async def test_a_missing_value_counts_as_the_empty_one(db: Database, rule: str) -> None:
    await db.query(
        "INSERT INTO contact [{email: 'stored@example.com', email_key: 'stored@example.com',"
        " opens: 0, engagement_score: 0.0, consent_explicit: false},"
        " {email: 'missing@example.com', email_key: 'missing@example.com'}] RETURN NONE"
    )

    members = await service.count(db, rule=rule)

    assert members in (0, 2), f"{rule}: {members} of the two contacts"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("updated within 7d", ["new@example.com", "touched@example.com"]),
        ("updated < 7d ago", ["old@example.com"]),
        ("not updated >= 7d ago", ["old@example.com"]),
        ("updated exists", ["new@example.com", "old@example.com", "touched@example.com"]),
    ],
)
async def test_a_contact_never_updated_reads_its_creation_time_as_its_update_time(
    db: Database, rule: str, expected: list[str]
) -> None:
    # crm.contacts.service.new_row stores no update time until the contact is updated.
    await db.query(
        "INSERT INTO contact [{email: 'new@example.com', email_key: 'new@example.com',"
        " created_at: time::now() - 1d},"
        " {email: 'old@example.com', email_key: 'old@example.com',"
        " created_at: time::now() - 30d},"
        " {email: 'touched@example.com', email_key: 'touched@example.com',"
        " created_at: time::now() - 30d, updated_at: time::now() - 2d}] RETURN NONE"
    )

    members, count = await service.preview(db, rule=rule)

    assert sorted(c.email for c in members) == expected
    assert count == len(expected)
