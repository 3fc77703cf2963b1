"""Versioned `.surql` migrations, applied once each and recorded in the `migration` table."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from crm.db import Database
from crm.wire import RecordID

_NAME = re.compile(r"^(\d{4})_(\w+)\.surql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    """The migrations of a workspace's data."""
    return migrations_in(__package__)


def migrations_in(package: str) -> list[Migration]:
    """The migrations of a package of `.surql` files."""
    found = []
    for entry in resources.files(package).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


async def current_version(db: Database) -> int:
    rows = await db.one("SELECT VALUE version FROM migration")
    return int(max(rows or [0]))


async def migrate(
    db: Database,
    *,
    upgrading: Callable[[Migration], None] | None = None,
    migrations: list[Migration] | None = None,
) -> list[Migration]:
    """Apply the migrations this database has not recorded yet; returns those applied.

    `upgrading` hears of each one before it runs on a database that had migrations already:
    an upgrade may rewrite every record, which takes a while on a large database. Without
    `migrations`: those of a workspace's data."""
    # One read when the database is up to date (a missing table reads as empty).
    done = set(await db.one("SELECT VALUE version FROM migration") or [])
    if not done:
        await db.query("DEFINE TABLE IF NOT EXISTS migration SCHEMALESS;")
    applied = []
    for migration in available() if migrations is None else migrations:
        if migration.version in done:
            continue
        if done and upgrading is not None:
            upgrading(migration)
        # DDL and the record that says it ran commit together, or not at all.
        await db.query(
            f"BEGIN;\n{migration.sql}\n"
            "CREATE $id CONTENT {version: $version, name: $name, applied_at: time::now()};\n"
            "COMMIT;",
            {
                "id": RecordID("migration", migration.version),
                "version": migration.version,
                "name": migration.name,
            },
        )
        applied.append(migration)
    return applied
