"""Import rate of `crm contacts import` vs a bare batched INSERT of the same clean rows.

    python bench/import_contacts.py [--rows 100000] [--repeat 3] [--rss-rows 1000000]

Two baselines insert the clean rows (the stored form `crm` writes, companies resolved before the
clock starts) in batched INSERTs over the same SDK, each into a fresh surrealkv file:
- `schema`: the same schema and indexes as `crm` (what the importer itself adds: parsing,
  validation, duplicate handling, reports);
- `minimal`: the minimal correct importer of issue 14, a SCHEMALESS table with one unique index
  on the email key, given the same rows (every stored field in them since schema 0025): what
  the schema and its indexes add on top;
- `minimal_writers`: the same, written `WRITERS` batches at a time as the importer writes them
  (issue 14's baseline writes one at a time).
The three take turns, --repeat times (a machine busy for a while slows them all alike); each
time is their median, each ratio baseline seconds / import seconds of those medians (issue 14:
>= 0.5 against `minimal`). With --rss-rows, a child process imports a file of that many rows
and its peak RSS is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import disk_bytes, fresh_db, report
from crm.companies.models import name_key
from crm.companies.service import resolve_names
from crm.contacts.importer import BATCH_SIZE, WRITERS, ImportOptions, import_csv
from crm.contacts.models import ContactCreate
from crm.contacts.service import new_row
from crm.normalize import email_key

HEADER = ["E-mail", "First Name", "Last Name", "Company", "Job Title", "Country", "Tags", "Plan"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """~2% bad rows (invalid email or too many columns), ~5% repeats of earlier emails."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            roll = rng.random()
            email = f"person{i}@company{i % 5000}.example"
            if roll < 0.05 and i > 0:
                j = rng.randrange(i)
                email = f"Person{j}@company{j % 5000}.example"
            row = [
                email,
                f"First{i}",
                f"Last{i}",
                f"Company {i % 5000}",
                "Head of Growth",
                rng.choice(["DE", "AT", "US", "GB"]),
                rng.choice(["vip;lead", "lead", ""]),
                rng.choice(["free", "pro"]),
            ]
            if 0.05 <= roll < 0.06:
                row[0] = f"broken-{i}"
            elif 0.06 <= roll < 0.07:
                row.append("extra")
            writer.writerow(row)


def clean_rows(path: Path) -> list[ContactCreate]:
    """The contacts a correct import creates: valid, first occurrence of each email."""
    seen: set[str] = set()
    out = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            if len(row) != len(HEADER) or "@" not in row[0]:
                continue
            key = email_key(row[0])
            if key in seen:
                continue
            seen.add(key)
            out.append(
                ContactCreate(
                    email=row[0],
                    first_name=row[1],
                    last_name=row[2],
                    company=row[3],
                    title=row[4],
                    country=row[5],
                    tags=[t for t in row[6].split(";") if t],
                    custom={"plan": row[7]},
                    source="import",
                    source_detail=path.name,
                )
            )
    return out


async def run_import(directory: Path, path: Path) -> tuple[float, dict[str, int]]:
    """Seconds to import `path`; the file is left as `import.db` in `directory`."""
    async with fresh_db(directory, "import.db") as db:
        start = time.perf_counter()
        result = await import_csv(db, path, ImportOptions())
        elapsed = time.perf_counter() - start
    counts = {k: v for k, v in result.as_dict().items() if k != "errors"}
    return elapsed, counts


async def run_baseline(directory: Path, contacts: list[ContactCreate], kind: str) -> float:
    """Seconds to insert the rows; the file is left as `baseline-{kind}.db` in `directory`."""
    async with fresh_db(directory, f"baseline-{kind}.db") as db:
        companies = await resolve_names(db, sorted({c.company for c in contacts if c.company}))
        rows = [new_row(c, companies[name_key(c.company)] if c.company else None) for c in contacts]
        if kind.startswith("minimal"):
            await db.query(
                "REMOVE TABLE contact; DEFINE TABLE contact SCHEMALESS;"
                " DEFINE INDEX contact_email_key ON contact FIELDS email_key UNIQUE;"
            )
        writers = WRITERS if kind == "minimal_writers" else 1
        step = BATCH_SIZE * writers
        start = time.perf_counter()
        for i in range(0, len(rows), step):
            await asyncio.gather(
                *(
                    db.query(
                        "INSERT INTO contact $rows RETURN NONE", {"rows": rows[j : j + BATCH_SIZE]}
                    )
                    for j in range(i, min(i + step, len(rows)), BATCH_SIZE)
                )
            )
        return time.perf_counter() - start


def peak_rss_mb(rows: int, directory: Path) -> float:
    path = directory / "rss.csv"
    generate(path, rows)
    subprocess.run([sys.executable, __file__, "--child", str(path)], check=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


async def child(path: Path) -> None:
    await run_import(path.parent, path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rss-rows", type=int, default=0)
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child))
        return
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        path = directory / "contacts.csv"
        generate(path, args.rows)
        contacts = clean_rows(path)
        runs: dict[str, list[float]] = {
            "import": [], "schema": [], "minimal": [], "minimal_writers": []
        }  # fmt: skip
        for _ in range(args.repeat):
            import_s, counts = asyncio.run(run_import(directory, path))
            runs["import"].append(import_s)
            for kind in ("schema", "minimal", "minimal_writers"):
                runs[kind].append(asyncio.run(run_baseline(directory, contacts, kind)))
        import_s, schema_s, minimal_s, writers_s = (statistics.median(runs[k]) for k in runs)

        def per_contact(name: str) -> float:
            return disk_bytes(directory / name) / len(contacts)

        figures: dict[str, object] = {
            "rows_in_file": args.rows,
            **counts,
            "expected_created": len(contacts),
            "import_seconds": import_s,
            "import_rows_per_s": args.rows / import_s,
            # 5,000 companies shared by all the contacts; bench/scale.py gives each its own.
            "bytes_per_contact": per_contact("import.db"),
            "minimal_baseline_bytes_per_contact": per_contact("baseline-minimal.db"),
            "schema_baseline_seconds": schema_s,
            "schema_baseline_rows_per_s": len(contacts) / schema_s,
            "ratio_schema_baseline_over_import": schema_s / import_s,
            "minimal_baseline_seconds": minimal_s,
            "minimal_baseline_rows_per_s": len(contacts) / minimal_s,
            "ratio_minimal_baseline_over_import": minimal_s / import_s,
            f"minimal_baseline_{WRITERS}_writers_seconds": writers_s,
            f"ratio_minimal_baseline_{WRITERS}_writers_over_import": writers_s / import_s,
        }
        if args.rss_rows:
            figures[f"peak_rss_mb_{args.rss_rows}_rows"] = peak_rss_mb(args.rss_rows, directory)
    report("import_contacts", figures)


if __name__ == "__main__":
    main()
