"""Deterministic enrichment of N contacts: contacts per second, first run and re-run.

    python bench/enrich.py [--contacts 100000]

Contacts get business and free-mail addresses over 2,000 company domains, titles, country
names and national phone numbers, so every enricher has work. The re-run finds everything done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import fresh_db, report, stored_contact
from crm.db import Database
from crm.enrichment import service
from crm.enrichment.models import RunOptions

TITLES = ["Head of Sales", "CEO", "Senior Software Engineer", "Marketing Manager", "CFO",
          "Account Executive", "Data Analyst", "VP Engineering", "Werkstudent", None]  # fmt: skip
COUNTRIES = ["Germany", "Deutschland", "Austria", "France", "DE", "United Kingdom", None]
FIRST = ["ada", "grace", "alan", "linus", "margaret", "edsger", "barbara", "ken"]
LAST = ["lovelace", "hopper", "turing", "torvalds", "hamilton", "dijkstra", "liskov", "thompson"]


async def fill(db: Database, count: int) -> None:
    rnd = random.Random(7)
    for start in range(0, count, 2000):
        rows = []
        for i in range(start, min(start + 2000, count)):
            domain = rnd.choice(["gmail.com", "web.de"]) if i % 4 == 0 else f"firm{i % 2000}.de"
            email = f"{rnd.choice(FIRST)}.{rnd.choice(LAST)}{i}@{domain}"
            row: dict[str, Any] = {"email": email, "title": rnd.choice(TITLES),
                   "country": rnd.choice(COUNTRIES), "custom": {}}  # fmt: skip
            if i % 3 == 0:
                row["phone"] = f"030 {rnd.randint(1000000, 9999999)}"
                row["country"] = "Germany"
            if i % 5 == 0:
                row["custom"] = {
                    "full_name": f"{rnd.choice(FIRST).title()} {rnd.choice(LAST).title()}"
                }
            rows.append(stored_contact(**{k: v for k, v in row.items() if v is not None}))
        await db.query("INSERT INTO contact $rows RETURN NONE", {"rows": rows})


async def bench(count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_db(Path(tmp), "enrich.db") as db:
            await fill(db, count)
            started, cpu, python = time.perf_counter(), _cpu_s(), time.thread_time()
            first = await service.run(db, RunOptions())
            first_s, first_cpu = time.perf_counter() - started, _cpu_s() - cpu
            python_cpu = time.thread_time() - python
            started = time.perf_counter()
            again = await service.run(db, RunOptions())
            again_s = time.perf_counter() - started
    return {
        "contacts": count,
        "cpus": os.cpu_count(),
        "first_run_s": first_s,
        "first_run_contacts_per_s": first.processed / first_s,
        # CPU time of this process (Python and the embedded engine's threads) per contact: the
        # cost that other load on a shared machine does not distort as much as wall time.
        "first_run_cpu_ms_per_contact": first_cpu * 1000 / first.processed,
        # Split into this thread (planning, encoding, decoding) and the rest: the embedded
        # engine's threads (queries on tokio workers, surrealkv's commit thread).
        "first_run_python_cpu_ms_per_contact": python_cpu * 1000 / first.processed,
        "first_run_engine_cpu_ms_per_contact": (first_cpu - python_cpu) * 1000 / first.processed,
        "first_run_changed": first.changed,
        "companies_created": first.companies_created,
        "rerun_s": again_s,
        "rerun_contacts_per_s": again.processed / again_s,
        "rerun_changed": again.changed,
        "rerun_skipped": again.skipped,
    }


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    report("enrich", asyncio.run(bench(args.contacts)))


if __name__ == "__main__":
    main()
