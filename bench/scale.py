"""How `crm` grows with the data: import, bytes on disk, a fresh process's open and a read.

    python bench/scale.py [--sizes 10000,100000]      # `make bench`; `make bench-large` adds 1M

For each size, a CSV of that many clean contacts (each with its own company, a title, a
country, tags for two thirds of them and a custom field) is imported with `crm contacts
import` into a new data directory. Then, each in a fresh process: a script that opens the
embedded file, runs one trivial query and closes it (the engine's open and close), and `crm
contacts list --json`, with `CRM_KEEP_OPEN=0`: what a command costs when it opens the file
itself (a read leaves the engine to the end of its process, kernel.lifetime; bench/keep_open.py
measures commands going through a server that holds it).
Each child's wall time and peak RSS are reported, with the file's size on disk, and the growth
from one size to the next in one table.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import sys
import tempfile
from pathlib import Path

from _common import child_run, disk_bytes, report
from crm.db import connect
from kernel.settings import Settings

CRM = str(Path(sys.executable).with_name("crm"))
HEADER = ["E-mail", "First Name", "Last Name", "Company", "Job Title", "Country", "Tags", "Plan"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    f"person{i}@company{i}.example.com",
                    f"First{i}",
                    f"Last{i}",
                    f"Company {i}",
                    rng.choice(["Head of Growth", "CTO", "Marketing Manager"]),
                    rng.choice(["DE", "AT", "US", "GB"]),
                    rng.choice(["vip;lead", "lead", ""]),
                    rng.choice(["free", "pro"]),
                ]
            )


async def open_only() -> None:
    async with connect(Settings()) as db:
        await db.query("RETURN 1")


def measure(size: int, directory: Path) -> dict[str, float]:
    csv_path = directory / f"contacts-{size}.csv"
    generate(csv_path, size)
    data_dir = directory / f"data-{size}"
    # Every command opens the file itself: no server kept open in the background, none used.
    env = {**os.environ, "CRM_DATA_DIR": str(data_dir), "CRM_API_URL": "", "CRM_KEEP_OPEN": "0"}
    imported = child_run([CRM, "contacts", "import", str(csv_path), "--json"], env)
    file_bytes = disk_bytes(data_dir / "crm.db")
    opened = child_run([sys.executable, __file__, "--open"], env)
    listed = child_run([CRM, "contacts", "list", "--json"], env)
    csv_path.unlink()
    return {
        "import_s": imported.seconds,
        "import_rows_per_s": size / imported.seconds,
        "import_peak_mb": imported.peak_mb,
        "file_mb": file_bytes / 1e6,
        "bytes_per_contact": file_bytes / size,
        "open_s": opened.seconds,
        "open_peak_mb": opened.peak_mb,
        "list_s": listed.seconds,
        "list_peak_mb": listed.peak_mb,
    }


def table(results: dict[int, dict[str, float]]) -> None:
    columns = list(next(iter(results.values())))
    print("\n| contacts | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    previous: dict[str, float] | None = None
    for size, row in results.items():
        print(f"| {size:,} | " + " | ".join(f"{row[c]:,.2f}" for c in columns) + " |")
        if previous is not None:
            growth = [f"×{row[c] / previous[c]:.2f}" if previous[c] else "-" for c in columns]
            print("| growth | " + " | ".join(growth) + " |")
        previous = row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--open", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.open:
        asyncio.run(open_only())
        return
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            results[size] = measure(size, Path(tmp))
            print(f"{size:,} contacts: {results[size]}", flush=True)
    table(results)
    report("scale", {f"{k}_{size}": v for size, row in results.items() for k, v in row.items()})


if __name__ == "__main__":
    main()
