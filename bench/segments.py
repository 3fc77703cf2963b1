"""Segment count and first page of members, compiled rule vs the same query written by hand.

    python bench/segments.py [--contacts 100000]

The rule has three conditions; both sides run in the same database in the same run. The ratio
(compiled / by hand) is the compiler's overhead; the target is <= 1.2.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import fresh_db, median_ms, report, stored_contact
from crm.contacts import repository as contacts
from crm.contacts.repository import ContactFilter
from crm.db import Database
from crm.segments import repository as segments
from crm.segments.rules import compile_rule

RULE = 'country in ["DE","AT"] and tags contains "vip" and status != "unsubscribed"'
BY_HAND = "country IN ['DE', 'AT'] AND tags CONTAINS 'vip' AND status != 'unsubscribed'"
PAGE = 20
ROUNDS = 21


async def fill(db: Database, count: int) -> None:
    rnd = random.Random(5)
    now = datetime.now(UTC)
    countries = ["DE", "AT", "CH", "FR", "IT", "ES", "NL", "PL", "GB", "US"]
    for start in range(0, count, 2000):
        rows = [
            stored_contact(
                email=f"p{i}@example.com",
                country=rnd.choice(countries),
                tags=rnd.sample(
                    ["vip", "lead", "partner", "newsletter", "event"], rnd.randint(0, 2)
                ),
                status=rnd.choice(["new", "contacted", "engaged", "customer", "unsubscribed"]),
                created_at=now - timedelta(days=rnd.randint(0, 700)),
            )
            for i in range(start, min(start + 2000, count))
        ]
        await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})


def _steps(plan: dict[str, Any]) -> list[str]:
    """The operators of a SurrealDB 3 query plan, outermost first, with the index each walks."""
    index = plan.get("attributes", {}).get("index")
    step = f"{plan['operator']}({index})" if index else plan["operator"]
    return [step, *(s for child in plan.get("children", []) for s in _steps(child))]


async def bench(count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_db(Path(tmp), "segments.db") as db:
            await fill(db, count)
            compiled = compile_rule(RULE)
            hand_count_sql = f"RETURN count(SELECT VALUE id FROM contact WHERE {BY_HAND})"
            hand_page_sql = (
                f"SELECT *, company.name AS company_name FROM contact WHERE {BY_HAND} LIMIT $limit"
            )
            n = await segments.count(db, compiled)
            assert n == await db.one(hand_count_sql)
            plan = await db.one(
                f"SELECT VALUE id FROM contact WHERE {compiled[0]} EXPLAIN", compiled[1]
            )
            grouped = await db.one(f"SELECT count() FROM contact WHERE {BY_HAND} GROUP ALL")
            pairs: list[tuple[tuple[str, Callable[[], Awaitable[Any]]], ...]] = [
                (
                    ("count_compiled_ms", lambda: segments.count(db, compiled)),
                    ("count_by_hand_ms", lambda: db.one(hand_count_sql)),
                ),
                (
                    ("page_compiled_ms", lambda: contacts.page(
                        db, ContactFilter(rule=compiled), after=None, limit=PAGE + 1
                    )),
                    ("page_by_hand_ms", lambda: db.one(hand_page_sql, {"limit": PAGE + 1})),
                ),
            ]  # fmt: skip
            samples: dict[str, list[float]] = {name: [] for pair in pairs for name, _ in pair}
            # The two sides of a pair take turns going first: a query right after a heavy one
            # runs slower while the engine frees memory, and load from other processes on the
            # machine should hit both sides alike.
            for pair in pairs:
                for turn in range(ROUNDS):
                    for name, fn in pair if turn % 2 == 0 else reversed(pair):
                        samples[name].append(await median_ms(fn, repeat=1))
            results = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "contacts": count,
        "rule": RULE,
        "members": n,
        "count_plan": " > ".join(_steps(plan)),
        **results,
        "count_ratio": results["count_compiled_ms"] / results["count_by_hand_ms"],
        "page_ratio": results["page_compiled_ms"] / results["page_by_hand_ms"],
        "engine count() GROUP ALL (not used: wrong in an earlier build)": grouped[0]["count"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    report("segments", asyncio.run(bench(args.contacts)))


if __name__ == "__main__":
    main()
