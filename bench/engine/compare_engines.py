"""SurrealDB 2's embedded engine against SurrealDB 3's, on the same rows and indexes.

    python bench/engine/compare_engines.py build PATH 100000   # import, bytes per contact
    python bench/engine/compare_engines.py open PATH           # open + three queries, fresh process

Which engine runs is `crm.wire.EmbeddedEngine`'s (SurrealDB 3); `legacy=True` there is SurrealDB 2.
A schemaless contact table with our four contact indexes, batched INSERT of 500.
"""

import asyncio
import resource
import sys
import time
from pathlib import Path

from crm.db import record
from crm.wire import EmbeddedEngine

SCHEMA = (
    "DEFINE TABLE company SCHEMALESS; DEFINE TABLE contact SCHEMALESS; "
    "DEFINE INDEX contact_email_key ON contact FIELDS email_key UNIQUE; "
    "DEFINE INDEX contact_status ON contact FIELDS status; "
    "DEFINE INDEX contact_company ON contact FIELDS company; "
    "DEFINE INDEX contact_tags ON contact FIELDS tags;"
)


def rows(n):
    import random

    r = random.Random(1)
    for i in range(n):
        yield {
            "email": f"person{i}@company{i % 1200}.example",
            "email_key": f"person{i}@company{i % 1200}.example",
            "first_name": f"First{i}",
            "last_name": f"Last{i}",
            "title": "Head of Growth",
            "country": "DE",
            "tags": r.sample(["vip", "lead", "beta", "partner"], r.randint(0, 2)),
            "custom": {"plan": "pro"},
            "source": "import",
            "source_detail": "c.csv",
            "status": "new",
            "consent_source": "import",
            "company": record("company", f"c{i % 1200}"),
        }


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def build(path, n):
    e = EmbeddedEngine(f"surrealkv://{path}")
    await e.use("crm", "main")
    r = await e.query_raw(SCHEMA, {})
    batch = []
    t = time.perf_counter()
    for row in rows(n):
        batch.append(row)
        if len(batch) == 500:
            r = await e.query_raw("INSERT INTO contact $rows RETURN NONE", {"rows": batch})
            batch = []
            ok = not r.get("error") and all(x.get("status") == "OK" for x in r["result"])
            assert ok, str(r)[:300]
    if batch:
        await e.query_raw("INSERT INTO contact $rows RETURN NONE", {"rows": batch})
    dt = time.perf_counter() - t
    await e.close()
    size = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    print(f"import {n / dt:.0f} rows/s  {size / n:.0f} B/contact  rss {_rss_mb():.0f}MB")


async def open_(path):
    t = time.perf_counter()
    e = EmbeddedEngine(f"surrealkv://{path}")
    await e.use("crm", "main")
    t1 = time.perf_counter()
    r = await e.query_raw("SELECT count() FROM contact GROUP ALL", {})
    t2 = time.perf_counter()
    await e.query_raw(
        "SELECT * FROM contact WHERE string::contains(email_key, 'person9999') LIMIT 20", {}
    )
    t3 = time.perf_counter()
    await e.query_raw("SELECT count() FROM contact WHERE status = 'new' GROUP ALL", {})
    t4 = time.perf_counter()
    print(
        f"open {t1 - t:.2f}s count {t2 - t1:.2f}s scan-search {t3 - t2:.2f}s"
        f" status-count {t4 - t3:.2f}s rss {_rss_mb():.0f}MB",
        str(r["result"][0]["result"])[:60],
    )
    await e.close()


if sys.argv[1] == "build":
    asyncio.run(build(sys.argv[2], int(sys.argv[3])))
else:
    asyncio.run(open_(sys.argv[2]))
