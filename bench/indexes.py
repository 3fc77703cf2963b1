"""What each secondary index on `contact` buys and costs, at a user's size.

    python bench/indexes.py [--contacts 100000]

One migrated database with realistic contacts (status, country, tags, company, seniority,
engagement timestamps …). All secondary contact indexes are removed; then, one at a time, each
is defined again and the query it exists for is timed with and without it (count and the first
page of 20 by id, medians), along with the cost of inserting 2,000 more contacts with and
without it and the bytes it adds on disk. An index is worth keeping when it speeds its query up
at least 2 times.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import disk_bytes, fresh_db, median_ms, report
from crm.db import Database, record

NOW = datetime.now(UTC)
COUNTRIES = ["DE", "AT", "CH", "FR", "IT", "ES", "NL", "PL", "GB", "US"]
STATUSES = ["new", "contacted", "engaged", "qualified", "customer", "unsubscribed", "bounced"]
SENIORITY = ["c_level", "vp", "director", "manager", "senior", "entry", None, None]
DEPARTMENTS = ["marketing", "sales", "engineering", "finance", "hr", None, None]
SOURCES = ["import", "import", "import", "form", "manual", "api"]
COMPANIES = 5000
CAMPAIGNS = 20
INSERT_PROBE = 2000

# index name -> (fields, the WHERE clause it serves, its parameters)
CANDIDATES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "contact_status": ("status", "status = $v", {"v": "customer"}),
    "contact_company": ("company", "company = $v", {"v": record("company", "c17")}),
    # A tag one contact in a thousand has: a scan finds a common one's first page at once.
    "contact_tags": ("tags.*", "$v INSIDE tags", {"v": "board"}),
    "contact_country": ("country", "country = $v", {"v": "DE"}),
    "contact_created_at": ("created_at", "created_at > $v", {"v": NOW - timedelta(days=7)}),
    "contact_source": ("source", "source = $v", {"v": "form"}),
    "contact_email_domain": ("email_domain", "email_domain = $v", {"v": "company17.example"}),
    "contact_seniority": ("seniority", "seniority = $v", {"v": "c_level"}),
    "contact_department": ("department", "department = $v", {"v": "marketing"}),
    "contact_engagement_score": ("engagement_score", "engagement_score > $v", {"v": 80}),
    "contact_last_engaged_at": (
        "last_engaged_at",
        "last_engaged_at > $v",
        {"v": NOW - timedelta(days=14)},
    ),
    "contact_last_opened_at": (
        "last_opened_at",
        "last_opened_at > $v",
        {"v": NOW - timedelta(days=14)},
    ),
    "contact_last_clicked_at": (
        "last_clicked_at",
        "last_clicked_at > $v",
        {"v": NOW - timedelta(days=14)},
    ),
    "contact_last_submitted_at": (
        "last_submitted_at",
        "last_submitted_at > $v",
        {"v": NOW - timedelta(days=14)},
    ),
    # On the arrays' elements, as tags: SurrealDB 3 walks no index on a bare array for these.
    "contact_opened_campaigns": (
        "opened_campaigns.*",
        "$v INSIDE opened_campaigns",
        {"v": "k3"},
    ),
    "contact_clicked_campaigns": (
        "clicked_campaigns.*",
        "$v INSIDE clicked_campaigns",
        {"v": "k3"},
    ),
    "contact_submitted_campaigns": (
        "submitted_campaigns.*",
        "$v INSIDE submitted_campaigns",
        {"v": "k3"},
    ),
}


def contact(i: int, rnd: random.Random) -> dict[str, Any]:
    engaged = rnd.random() < 0.2
    recently = NOW - timedelta(days=rnd.randint(0, 60))
    opened = [f"k{c}" for c in range(CAMPAIGNS) if engaged and rnd.random() < 0.3]
    return {
        "email": f"p{i}@company{i % COMPANIES}.example",
        "email_key": f"p{i}@company{i % COMPANIES}.example",
        "email_domain": f"company{i % COMPANIES}.example",
        "first_name": f"P{i}",
        "company": record("company", f"c{i % COMPANIES}"),
        "country": rnd.choice(COUNTRIES),
        "tags": rnd.sample(["vip", "lead", "partner", "newsletter", "event"], rnd.randint(0, 2))
        + (["board"] if i % 1000 == 0 else []),
        "status": rnd.choice(STATUSES),
        "source": rnd.choice(SOURCES),
        "seniority": rnd.choice(SENIORITY),
        "department": rnd.choice(DEPARTMENTS),
        "created_at": NOW - timedelta(days=rnd.randint(0, 700)),
        "engagement_score": rnd.randint(0, 100) if engaged else 0,
        "last_engaged_at": recently if engaged else None,
        "last_opened_at": recently if engaged else None,
        "last_clicked_at": recently if engaged and rnd.random() < 0.3 else None,
        "last_submitted_at": recently if engaged and rnd.random() < 0.05 else None,
        "opened_campaigns": opened,
        "clicked_campaigns": opened[:1],
        "submitted_campaigns": opened[:1] if rnd.random() < 0.1 else [],
    }


async def insert(db: Database, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 2000):
        await db.query(
            "INSERT INTO contact $rows RETURN NONE", {"rows": rows[start : start + 2000]}
        )


async def insert_cost_ms(db: Database, rnd: random.Random, first: int) -> float:
    """Milliseconds to insert INSERT_PROBE more contacts (removed again afterwards)."""
    rows = [contact(first + i, rnd) for i in range(INSERT_PROBE)]
    started = time.perf_counter()
    await insert(db, rows)
    elapsed = (time.perf_counter() - started) * 1000
    await db.query(
        "DELETE contact WHERE email_key IN $keys", {"keys": [r["email_key"] for r in rows]}
    )
    return elapsed


async def timings(db: Database, where: str, params: dict[str, Any]) -> tuple[float, float, int]:
    # Counted as segments count (crm.segments.repository.count), not `count() … GROUP ALL`.
    count_sql = f"RETURN count(SELECT VALUE id FROM contact WHERE {where})"
    page_sql = f"SELECT * FROM contact WHERE {where} ORDER BY id LIMIT 20"
    matches = int(await db.one(count_sql, params))
    count = await median_ms(lambda: db.one(count_sql, params), repeat=5)
    page = await median_ms(lambda: db.one(page_sql, params), repeat=5)
    return count, page, matches


async def bench(count: int) -> dict[str, object]:
    rnd = random.Random(7)
    figures: dict[str, object] = {"contacts": count}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "indexes.db"
        async with fresh_db(Path(tmp), "indexes.db") as db:
            for name in CANDIDATES:
                await db.query(f"REMOVE INDEX IF EXISTS {name} ON contact")
            await insert(db, [contact(i, rnd) for i in range(count)])
            await insert_cost_ms(db, rnd, count)  # warm up the write path
            for name, (fields, where, params) in CANDIDATES.items():
                count_without, page_without, matches = await timings(db, where, params)
                insert_without = await insert_cost_ms(db, rnd, count)
                before = disk_bytes(path)
                await db.query(f"DEFINE INDEX {name} ON contact FIELDS {fields}")
                grown = disk_bytes(path) - before
                count_with, page_with, _ = await timings(db, where, params)
                insert_with = await insert_cost_ms(db, rnd, count)
                await db.query(f"REMOVE INDEX {name} ON contact")
                figures[name] = (
                    f"matches {matches}: count {count_without:.1f}->{count_with:.1f} ms "
                    f"(x{count_without / count_with:.1f}), first page "
                    f"{page_without:.1f}->{page_with:.1f} ms (x{page_without / page_with:.1f}), "
                    f"insert 2k {insert_without:.0f}->{insert_with:.0f} ms, "
                    f"on disk {grown / count:.0f} B per contact"
                )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    report("contact indexes", asyncio.run(bench(args.contacts)))


if __name__ == "__main__":
    main()
