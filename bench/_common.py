"""Helpers shared by the benchmarks: temp databases, timing, reporting."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm.contacts.models import ContactCreate, search_key
from crm.contacts.service import new_row
from crm.db import Database, connect
from crm.schema import migrate
from kernel.settings import Settings


@asynccontextmanager
async def fresh_db(directory: Path, name: str) -> AsyncIterator[Database]:
    """A migrated, empty surrealkv database in `directory` (one left there before is removed)."""
    shutil.rmtree(directory / name, ignore_errors=True)
    settings = Settings(db_url=f"surrealkv://{(directory / name).resolve()}")
    async with connect(settings) as db:
        await migrate(db)
        yield db


def stored_contact(**fields: Any) -> dict[str, Any]:
    """A contact as crm stores a new one (`crm.contacts.service.new_row`: its defaults and keys,
    which the table no longer fills in since schema 0025), with `fields` set as given: not
    validated, so a bench can store the raw values enrichers clean up."""
    row = {**new_row(ContactCreate(email=fields["email"])), **fields}
    return {**row, "search_key": search_key(row)}


def disk_bytes(path: Path) -> int:
    """The size of a database on disk (a surrealkv database is a directory)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


async def median_ms(fn: Callable[[], Awaitable[Any]], repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def process_env(**extra: str) -> dict[str, str]:
    """The environment for fresh `crm` processes: bytecode caching on, as for an installed
    `crm` (a run with PYTHONDONTWRITEBYTECODE would time compiling our sources instead)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}


def process_ms(
    commands: dict[str, list[str]], runs: int, env: dict[str, str] | None = None
) -> dict[str, float]:
    """Median wall time of fresh processes of each command, in ms. The commands take turns
    (one untimed warm-up round first), so a machine busy for a while slows them all alike."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for attempt in range(runs + 1):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, env=env or process_env())
            if attempt:
                samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(times) for name, times in samples.items()}


@dataclass
class Child:
    seconds: float
    peak_mb: float


def child_run(args: list[str], env: dict[str, str]) -> Child:
    """Run a child process to completion: its wall time and its own peak RSS (not its
    siblings'); exits with its stderr when it fails."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(args)} failed: {child.stderr.read().decode()}")  # type: ignore[union-attr]
    return Child(elapsed, usage.ru_maxrss / 1024)


def report(name: str, figures: dict[str, Any]) -> None:
    width = max(len(k) for k in figures)
    print(f"\n== {name}")
    for key, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        print(f"  {key:<{width}}  {shown}")
    print(json.dumps({"bench": name, **figures}))
