"""Wide rules (hundreds of conditions) stay usable: the engine refuses operator chains nested
past about a hundred levels, so a saved segment must never compile to one."""

from __future__ import annotations

from typing import Any

import pytest

from crm.contacts import service as contacts
from crm.contacts.repository import ContactFilter
from crm.db import Database
from crm.segments import service
from crm.segments.models import SegmentCreate
from factories import make_contact

# 150 conditions nearly fill the 4,000 characters a text rule may have; JSON rules go wider.
TEXT_WIDTH, JSON_WIDTH = 150, 600


def text_rule() -> str:
    return " or ".join(
        f'tags contains "t{i}"' if i % 2 else f'city = "C{i}"' for i in range(TEXT_WIDTH)
    )


def json_rule() -> dict[str, Any]:
    return {"any": [{"field": "city", "op": "=", "value": f"C{i}"} for i in range(JSON_WIDTH)]}


@pytest.mark.parametrize(
    ("rule", "last_city"),
    [(text_rule(), f"C{TEXT_WIDTH - 2}"), (json_rule(), f"C{JSON_WIDTH - 1}")],
    ids=["text", "json"],
)
async def test_a_wide_or_rule_counts_previews_and_lists(
    db: Database, rule: Any, last_city: str
) -> None:
    await make_contact(db, email="first@x.com", city="C0")
    await make_contact(db, email="last@x.com", city=last_city)
    await make_contact(db, email="none@x.com", city="Elsewhere")
    segment = await service.create(db, SegmentCreate(name="wide", rule=rule))

    members, total = await service.preview(db, segment.id)
    page = await contacts.list_page(
        db, ContactFilter(rule=await service.rule_for(db, segment.id)), limit=10
    )

    assert await service.count(db, segment.id) == total == 2
    assert (
        {c.email for c in members}
        == {c.email for c in page.items}
        == {
            "first@x.com",
            "last@x.com",
        }
    )


async def test_a_wide_negated_and_rule_lists(db: Database) -> None:
    await make_contact(db, email="kept@x.com", city="Elsewhere")
    await make_contact(db, email="dropped@x.com", city="C4")
    rule = "not (" + text_rule() + ")"
    segment = await service.create(db, SegmentCreate(name="not wide", rule=rule))

    members, total = await service.preview(db, segment.id)

    assert total == 1
    assert [c.email for c in members] == ["kept@x.com"]
