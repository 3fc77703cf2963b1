"""Versioned `.surql` migrations, applied once each and recorded in the `migration` table."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from crm.db import Database
from crm.wire import RecordID
from kernel.errors import DatabaseError

_NAME = re.compile(r"^(\d{4})_(\w+)\.surql$")
_INDEX = re.compile(
    r"\b(DEFINE|REMOVE)\s+INDEX\s+(?:OVERWRITE\s+|IF\s+(?:NOT\s+)?EXISTS\s+)?(\w+)\s+ON\s+(?:TABLE\s+)?(\w+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def indexes(self) -> list[tuple[str, str]]:
        """The indexes (name, table) this migration leaves defined."""
        defined: dict[tuple[str, str], bool] = {}
        for verb, name, table in _INDEX.findall(self.sql):
            defined[(name, table)] = verb.upper() == "DEFINE"
        return [key for key, kept in defined.items() if kept]


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


async def _applied(db: Database) -> set[int]:
    """The versions recorded; none before the first migration (SurrealDB 3 refuses to read a
    table that was never defined, SurrealDB 2 reads it as empty)."""
    try:
        return set(await db.one("SELECT VALUE version FROM migration"))
    except DatabaseError as exc:
        if "'migration' does not exist" in str(exc):
            return set()
        raise


async def current_version(db: Database) -> int:
    return max(await _applied(db) or [0])


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
    done = await _applied(db)  # one read when the database is up to date
    if not done:
        await db.query("DEFINE TABLE IF NOT EXISTS migration SCHEMALESS;")
    applied = []
    for migration in available() if migrations is None else migrations:
        if migration.version in done:
            continue
        if done and upgrading is not None:
            upgrading(migration)
        # DDL and the record that says it ran commit together, or not at all. SurrealDB 3
        # builds an index defined in a transaction from the records as they were before it:
        # rows the migration rewrote would keep stale entries (a UNIQUE index would let
        # duplicates in), so each index it defines is rebuilt once it has committed.
        rebuild = "".join(
            f"REBUILD INDEX {name} ON {table};\n" for name, table in migration.indexes()
        )
        await db.query(
            f"BEGIN;\n{migration.sql}\n"
            "CREATE $id CONTENT {version: $version, name: $name, applied_at: time::now()};\n"
            f"COMMIT;\n{rebuild}",
            {
                "id": RecordID("migration", migration.version),
                "version": migration.version,
                "name": migration.name,
            },
        )
        applied.append(migration)
    return applied
