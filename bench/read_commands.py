"""Everyday read commands on a small database next to a bare script on the same file.

    python bench/read_commands.py [--contacts 200] [--runs 7]

Each command runs as a fresh `crm` process (median wall of `--runs`) next to three scripts
that open the same file and run one SELECT (target, issue 14: every command <= 1.6x the bare
script):
- `sdk`: the bare script as issue 14 measured it, importing the SurrealDB SDK first (its HTTP
  and WebSocket stack: about 0.3 s; crm no longer loads it). The SDK's own engine cannot read
  SurrealDB 3's files, so the file is opened as below;
- `bare`: the same without the SDK, with the embedded engine's own package
  (`surrealdb_embedded`, spoken to in CBOR): the stricter floor;
- `frameworks`: `bare` importing what a typer CLI on pydantic models loads (`typer`,
  `pydantic.BaseModel`) first: the floor of any command built on those two.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import process_env, process_ms, report

CRM = [sys.executable, "-m", "cli.main"]
COMMANDS = {
    "contacts list": ["contacts", "list", "--json"],
    "contacts show": ["contacts", "show", "p1@example.com", "--json"],
    "segments list": ["segments", "list", "--json"],
    "campaigns list": ["campaigns", "list", "--json"],
    "companies list": ["companies", "list", "--json"],
}
BARE = (
    "import asyncio, sys, cbor2\n"
    "from surrealdb_embedded import AsyncEmbeddedDB\n"
    "async def main():\n"
    "    db = AsyncEmbeddedDB(sys.argv[1])\n"
    "    for n, (method, params) in enumerate([('use', ['crm', 'main']),\n"
    "                                          ('query', ['SELECT * FROM contact LIMIT 50'])]):\n"
    "        cbor2.loads(await db.execute(cbor2.dumps(\n"
    "            {'id': str(n), 'method': method, 'params': params})), tag_hook=lambda _d, t: t)\n"
    "    await db.close()\n"
    "asyncio.run(main())\n"
)
FRAMEWORKS = "import typer\nfrom pydantic import BaseModel\n" + BARE
SDK = "import surrealdb\n" + BARE


def prepare(data_dir: Path, contacts: int) -> dict[str, str]:
    """A data dir with `contacts` contacts (a company each in 20), a segment and a campaign."""
    # Every command opens the file: no background server keeps it open (cli.client.keep_open).
    env = process_env(CRM_DATA_DIR=str(data_dir), CRM_KEEP_OPEN="0")
    rows = data_dir / "contacts.csv"
    data_dir.mkdir()
    with rows.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["email", "first_name", "last_name", "company", "title", "country"])
        for i in range(contacts):
            title = "Head of Sales" if i % 3 else "Engineer"
            out.writerow([f"p{i}@example.com", f"P{i}", "Smith", f"Co{i % 20}", title, "DE"])
    for argv in (
        ["contacts", "import", str(rows)],
        ["segments", "create", "germans", "--rule", 'country in ["DE"]'],
        ["campaigns", "create", "hello", "--segment", "germans", "--channel", "email",
         "--brief", "Say hello"],
    ):  # fmt: skip
        subprocess.run([*CRM, *argv], check=True, capture_output=True, env=env)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        env = prepare(data_dir, args.contacts)
        url = f"surrealkv://{(data_dir / 'crm.db').resolve()}"
        walls = process_ms(
            {
                "bare": [sys.executable, "-c", BARE, url],
                "frameworks": [sys.executable, "-c", FRAMEWORKS, url],
                "sdk": [sys.executable, "-c", SDK, url],
            }
            | {name: [*CRM, *argv] for name, argv in COMMANDS.items()},
            args.runs,
            env,
        )
        bare, frameworks, sdk = walls.pop("bare"), walls.pop("frameworks"), walls.pop("sdk")
        figures: dict[str, object] = {
            "contacts": args.contacts,
            "bare_select_ms": bare,
            "frameworks_select_ms": frameworks,
            "sdk_select_ms": sdk,
            "frameworks_over_bare": frameworks / bare,
        }
        for name, wall in walls.items():
            figures[f"{name}_ms"] = wall
            figures[f"{name}_over_sdk"] = wall / sdk
            figures[f"{name}_over_bare"] = wall / bare
            figures[f"{name}_over_frameworks"] = wall / frameworks
    report("read_commands", figures)


if __name__ == "__main__":
    main()
