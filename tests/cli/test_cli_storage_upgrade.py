"""A database file that SurrealDB 2's engine wrote (crm before the move to SurrealDB 3) is copied
into SurrealDB 3's format by the first command, with everything in it, and the old file kept."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from accounts.system import open_system
from crm.db import Database
from crm.schema import migrate
from crm.storage_upgrade import written_by_surrealdb2
from crm.wire import EmbeddedEngine
from crm_cli import Crm
from factories import make_company, make_contact
from kernel.settings import Settings


async def write_with_surrealdb2(path: Path) -> None:
    """What crm wrote on SurrealDB 2: migrated, two contacts, one linked to a company."""
    engine = EmbeddedEngine(f"surrealkv://{path}", legacy=True)
    await engine.use("crm", "main")
    try:
        db = Database(engine, f"surrealkv://{path}", default="main")
        await migrate(db)
        await open_system(db, Settings(db_url=f"surrealkv://{path}"))
        acme = await make_company(db, name="Acme")
        await make_contact(db, email="ada@example.com", company=acme.name, tags=["vip"])
        await make_contact(db, email="bob@example.com", first_name="Bob")
    finally:
        await engine.close()


def test_the_first_command_copies_everything_and_keeps_the_old_file(crm: Crm) -> None:
    asyncio.run(write_with_surrealdb2(crm.db_path))
    assert written_by_surrealdb2(crm.db_path)

    first = crm("contacts", "list", "--json")

    assert first.exit_code == 0, first.output
    assert "Copying" in first.stderr and "SurrealDB 3" in first.stderr
    assert "Copied" in first.stderr and "can be deleted" in first.stderr
    backup = crm.db_path.with_name(crm.db_path.name + ".surrealdb2")
    assert written_by_surrealdb2(backup) and not written_by_surrealdb2(crm.db_path)
    listed = crm.json("contacts", "list")
    by_email = {c["email"]: c for c in listed["items"]}
    assert set(by_email) == {"ada@example.com", "bob@example.com"}
    assert by_email["ada@example.com"]["company_name"] == "Acme"
    assert by_email["ada@example.com"]["tags"] == ["vip"]
    # The indexes came along: the unique email key still refuses a second Ada.
    assert "already" in crm.fails("contacts", "add", "--email", "ada@example.com")
    assert crm.json("contacts", "list", "--tag", "vip")["items"][0]["email"] == "ada@example.com"
    assert crm.json("contacts", "list", "--search", "bob")["items"][0]["first_name"] == "Bob"
    # Once only.
    assert "Copying" not in crm("contacts", "list", "--json").stderr


def test_a_copy_cut_short_starts_again_from_the_old_file(crm: Crm) -> None:
    asyncio.run(write_with_surrealdb2(crm.db_path))
    staging = crm.db_path.with_name(crm.db_path.name + ".upgrading")
    staging.mkdir()
    (staging / "left-over").write_text("from a copy that was killed")

    listed = crm.json("contacts", "list")

    assert len(listed["items"]) == 2
    assert not staging.exists()


def test_an_earlier_backup_in_the_way_is_reported_not_overwritten(crm: Crm) -> None:
    asyncio.run(write_with_surrealdb2(crm.db_path))
    backup = crm.db_path.with_name(crm.db_path.name + ".surrealdb2")
    shutil.copytree(crm.db_path, backup)

    error = crm.fails("contacts", "list")

    assert str(backup) in error and "move" in error
    assert written_by_surrealdb2(crm.db_path)
