"""Files written by SurrealDB 2's embedded engine, copied once into SurrealDB 3's format.

SurrealDB 3's engine cannot read SurrealDB 2's files (an append-only log, `clog/`). The first
connection to such a file copies every namespace, database, table definition and record into a
new file beside it with SurrealDB 2's engine (still inside the SDK) reading and SurrealDB 3's
writing, then swaps the two: the old file stays, renamed `<name>.surrealdb2`, until its owner
deletes it. A copy cut short leaves the old file as it was and is started again next time.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm.wire import EmbeddedEngine
from kernel.errors import DatabaseError

PAGE = 2000
# SurrealDB 2 writes `FLEXIBLE TYPE t` where SurrealDB 3 reads `TYPE t FLEXIBLE`.
_FLEXIBLE = re.compile(
    r" FLEXIBLE TYPE (.+?)(?= DEFAULT | VALUE | ASSERT | READONLY | PERMISSIONS |$)"
)
_DEFINE = re.compile(r"^DEFINE (TABLE|FIELD|INDEX) ")


def written_by_surrealdb2(path: Path) -> bool:
    return (path / "clog").is_dir()


def backup_of(path: Path) -> Path:
    return path.with_name(path.name + ".surrealdb2")


@dataclass
class Copied:
    databases: int = 0
    tables: int = 0
    records: int = 0


async def upgrade(path: Path, announce: Callable[[str], None]) -> Copied:
    """Copy the SurrealDB 2 file at `path` into SurrealDB 3's format, in its place."""
    staging = path.with_name(path.name + ".upgrading")
    backup = backup_of(path)
    if backup.exists():
        raise DatabaseError(
            f"{path} is a SurrealDB 2 file, and {backup} exists from an earlier upgrade: move "
            "one of them away."
        )
    shutil.rmtree(staging, ignore_errors=True)
    announce(f"Copying {path} into SurrealDB 3's format (once; the old file stays as {backup}) …")
    old = EmbeddedEngine(f"surrealkv://{path}", legacy=True)
    try:
        new = EmbeddedEngine(f"surrealkv://{staging}")
        try:
            copied = await _copy(old, new)
        finally:
            await new.close()
    finally:
        await old.close()
    path.rename(backup)
    staging.rename(path)
    announce(
        f"Copied {copied.records:,} records of {copied.tables} tables in {copied.databases} "
        f"databases; {backup} can be deleted."
    )
    return copied


async def _copy(old: EmbeddedEngine, new: EmbeddedEngine) -> Copied:
    copied = Copied()
    for ns in (await _one(old, "INFO FOR ROOT"))["namespaces"]:
        for db in (await _one(old, f"USE NS {_ident(ns)}; INFO FOR NS", last=True))["databases"]:
            use = f"USE NS {_ident(ns)} DB {_ident(db)};"
            copied.databases += 1
            tables = (await _one(old, f"{use} INFO FOR DB", last=True))["tables"]
            for table, definition in tables.items():
                info = await _one(old, f"{use} INFO FOR TABLE {_ident(table)}", last=True)
                fields = [info["fields"][name] for name in sorted(info["fields"])]
                statements = [definition, *fields, *info["indexes"].values()]
                await _run(new, use + ";".join(_portable(s) for s in statements))
                copied.tables += 1
                copied.records += await _copy_records(old, new, use, table)
    return copied


async def _copy_records(old: EmbeddedEngine, new: EmbeddedEngine, use: str, table: str) -> int:
    count, after = 0, None
    while True:
        source = f"{_ident(table)}:.." if after is None else f"{_ident(table)}:{_key(after)}>.."
        # Table names and keys are quoted identifiers: a table cannot be a bound parameter here.
        rows = await _one(old, f"{use} SELECT * FROM {source} LIMIT {PAGE}", last=True)  # noqa: S608
        if not rows:
            return count
        await _run(new, f"{use} INSERT INTO {_ident(table)} $rows RETURN NONE", {"rows": rows})
        count += len(rows)
        after = rows[-1]["id"].id


def _portable(statement: str) -> str:
    """A definition as SurrealDB 2 prints it, for SurrealDB 3 (which may define some already:
    the elements of a typed array)."""
    return _DEFINE.sub(r"DEFINE \1 OVERWRITE ", _FLEXIBLE.sub(r" TYPE \1 FLEXIBLE", statement))


def _ident(name: str) -> str:
    return "⟨" + name.replace("\\", "\\\\").replace("⟩", "\\⟩") + "⟩"


def _key(key: Any) -> str:
    if isinstance(key, int):
        return str(key)
    if isinstance(key, str):
        return _ident(key)
    raise DatabaseError(f"Cannot copy a record whose key is {key!r}: only text and numbers are")


async def _one(engine: EmbeddedEngine, sql: str, *, last: bool = False) -> Any:
    results = await _run(engine, sql)
    return results[-1] if last else results[0]


async def _run(engine: EmbeddedEngine, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    response = await engine.query_raw(sql, params or {})
    if response.get("error"):
        raise DatabaseError(f"Upgrading the database failed: {response['error']}")
    statements = response["result"]
    failed = [s["result"] for s in statements if s.get("status") == "ERR"]
    if failed:
        raise DatabaseError(f"Upgrading the database failed: {failed[0]}")
    return [s["result"] for s in statements]
