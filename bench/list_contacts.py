"""Cursor pagination: page 1 vs page 500 of 100k contacts, 100 per page.

    python bench/list_contacts.py [--contacts 100000] [--page 500]

Also reports the same page fetched with LIMIT/START (what the cursor replaces) as a baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from _common import fresh_db, median_ms, report, stored_contact
from crm.contacts import service
from crm.contacts.repository import ContactFilter
from crm.db import Database
from crm.paging import encode_cursor

PAGE_SIZE = 100


async def fill(db: Database, count: int) -> None:
    for start in range(0, count, 2000):
        rows = [
            stored_contact(
                email=f"p{i}@example.com", first_name=f"P{i}", tags=["vip"] if i % 10 == 0 else []
            )
            for i in range(start, min(start + 2000, count))
        ]
        await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})


async def bench(count: int, page_number: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_db(Path(tmp), "list.db") as db:
            await fill(db, count)
            everyone = ContactFilter()
            cursor = None
            for _ in range(page_number - 1):
                page = await service.list_page(db, everyone, cursor=cursor, limit=PAGE_SIZE)
                cursor = page.next_cursor
            assert cursor is not None
            target_cursor = cursor
            first = await median_ms(lambda: service.list_page(db, everyone, limit=PAGE_SIZE))
            deep = await median_ms(
                lambda: service.list_page(db, everyone, cursor=target_cursor, limit=PAGE_SIZE)
            )
            offset = await median_ms(
                lambda: db.one(
                    "SELECT * FROM contact LIMIT $limit START $start",
                    {"limit": PAGE_SIZE, "start": (page_number - 1) * PAGE_SIZE},
                ),
                repeat=3,
            )
            vip_first = await median_ms(
                lambda: service.list_page(db, ContactFilter(tag="vip"), limit=PAGE_SIZE)
            )
            check = await service.list_page(db, everyone, cursor=target_cursor, limit=PAGE_SIZE)
            assert encode_cursor(check.items[0].id) != target_cursor
    return {
        "contacts": count,
        "page_size": PAGE_SIZE,
        "page_1_ms": first,
        f"page_{page_number}_ms": deep,
        f"page_{page_number}_over_page_1": deep / first,
        f"offset_page_{page_number}_ms (LIMIT/START baseline)": offset,
        "tag_filter_page_1_ms (1 in 10 match)": vip_first,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=500)
    args = parser.parse_args()
    report("list_contacts", asyncio.run(bench(args.contacts, args.page)))


if __name__ == "__main__":
    main()
