"""`crm llm calls`, and that the CLI does not import litellm just to start."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime

import typer
from typer.testing import CliRunner

from cli.llm import app
from crm.db import connect
from crm.llm_calls.repository import SurrealCallStore
from crm.schema import migrate
from kernel.settings import Settings
from llm_tools.calls import CallRecord

runner = CliRunner()
KEYS = {
    "tool",
    "model",
    "tokens_in",
    "tokens_out",
    "cost",
    "latency_ms",
    "cache_hit",
    "outcome",
    "run",
    "created_at",
}


async def seed() -> None:
    async with connect(Settings()) as db:
        await migrate(db)
        store = SurrealCallStore(db)
        for run, cost in (("spring", 0.002), ("spring", None), (None, 0.5)):
            await store.record(
                CallRecord(
                    tool="email",
                    model="gpt-4o-mini",
                    tokens_in=120,
                    tokens_out=40,
                    cost=cost,
                    latency_ms=640.0,
                    cache_hit=False,
                    outcome="ok",
                    run=run,
                    created_at=datetime.now(UTC),
                )
            )


def cli() -> typer.Typer:
    # A group, so `calls` is addressed by name as under `crm llm`.
    root = typer.Typer()
    root.add_typer(app, name="llm")
    return root


def test_calls_json_lists_the_recorded_calls() -> None:
    asyncio.run(seed())

    result = runner.invoke(cli(), ["llm", "calls", "--json", "--run", "spring"])

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2
    assert all(set(row) == KEYS for row in rows)
    assert {row["cost"] for row in rows} == {0.002, None}


def test_calls_table_shows_totals_and_limit() -> None:
    asyncio.run(seed())

    result = runner.invoke(cli(), ["llm", "calls", "--limit", "2"])

    assert result.exit_code == 0, result.output
    assert "2 calls, total" in result.stdout


def test_importing_the_cli_and_tools_does_not_import_litellm() -> None:
    code = (
        "import sys, cli.llm, llm_tools.gateway, llm_tools.email, llm_tools.social_post, "
        "llm_tools.landing_page, llm_tools.engagement_summary, llm_tools.enrich_contact, "
        "crm.llm_calls.service\n"
        "heavy = [m for m in ('litellm', 'llama_cpp', 'surrealdb') if m in sys.modules]\n"
        "print(heavy)"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()

    # crm.llm_calls.service needs the database layer, which loads the embedded engine without
    # the SurrealDB SDK (crm.wire); litellm and llama.cpp stay unloaded.
    assert found == "[]"
