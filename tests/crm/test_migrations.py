"""Migrations: applied once each, idempotently, recorded in the database, atomically."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from crm import schema
from crm.contacts import service as contacts
from crm.contacts.repository import ContactFilter
from crm.db import Database, connect, embedded_file
from crm.schema import Migration, available, current_version, migrate
from factories import make_contact
from kernel.errors import DatabaseError
from kernel.settings import Settings


def latest() -> int:
    return available()[-1].version


async def recorded_versions(db: Database) -> list[int]:
    return sorted(await db.one("SELECT VALUE version FROM migration"))


class TestAvailable:
    def test_migrations_ship_with_the_package_in_version_order(self) -> None:
        versions = [m.version for m in available()]

        assert versions[0] == 1
        assert versions == sorted(set(versions))
        assert all(m.sql.strip() for m in available())


class TestMigrate:
    async def test_a_new_database_gets_every_migration(self) -> None:
        async with connect(Settings(db_url="mem://")) as db:
            applied = await migrate(db)

            assert applied == available()
            assert await recorded_versions(db) == [m.version for m in available()]
            assert await current_version(db) == latest()

    async def test_migrating_again_applies_nothing(self, db: Database) -> None:
        assert await migrate(db) == []
        assert await recorded_versions(db) == [m.version for m in available()]

    async def test_an_unmigrated_database_is_version_0(self) -> None:
        async with connect(Settings(db_url="mem://")) as db:
            await db.query("DEFINE TABLE migration SCHEMALESS")
            assert await current_version(db) == 0

    async def test_a_file_database_is_migrated_once_across_reopens(self, tmp_path: Path) -> None:
        settings = Settings(db_url=f"surrealkv://{tmp_path / 'crm.db'}")
        async with connect(settings) as db:
            assert await migrate(db) == available()
        async with connect(settings) as db:
            assert await migrate(db) == []
        async with connect(settings) as db:
            assert await recorded_versions(db) == [m.version for m in available()]
            assert await current_version(db) == latest()

    async def test_a_database_with_data_from_the_first_version_upgrades_to_the_latest(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async with connect(Settings(db_url="mem://")) as db:
            with monkeypatch.context() as first_release:
                first_release.setattr(schema, "available", lambda: available()[:1])
                await migrate(db)
            await db.query(
                "CREATE company:acme CONTENT {name: 'Acme', name_key: 'acme'};"
                "CREATE contact CONTENT {email: 'a@b.com', email_key: 'a@b.com', "
                "company: company:acme, tags: ['vip']}"
            )

            applied = await migrate(db)

            assert [m.version for m in applied] == [m.version for m in available()[1:]]
            assert await db.one("SELECT VALUE email FROM contact WHERE 'vip' IN tags") == [
                "a@b.com"
            ]

    async def test_consent_without_a_record_is_withdrawn_on_upgrade(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async with connect(Settings(db_url="mem://")) as db:
            with monkeypatch.context() as before_records:
                before_records.setattr(schema, "available", lambda: available()[:14])
                await migrate(db)
            # What a landing page without a consent box recorded for every visitor.
            await db.query(
                "CREATE contact CONTENT {email: 'a@b.com', email_key: 'a@b.com', "
                "consent_explicit: true, consent_source: 'form', consent_at: time::now()}"
            )

            await migrate(db)

            assert await db.one("SELECT consent_explicit, consent_at FROM contact") == [
                {"consent_explicit": False, "consent_at": None}
            ]

    async def test_search_finds_contacts_written_before_the_search_key(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async with connect(Settings(db_url="mem://")) as db:
            with monkeypatch.context() as before_key:
                before_key.setattr(schema, "available", lambda: available()[:19])
                await migrate(db)
            # As crm wrote a contact then.
            await db.query(
                "CREATE contact CONTENT {email: 'old@example.com', email_key: 'old@example.com',"
                " first_name: 'Grace'}"
            )
            await migrate(db)
            await make_contact(db, email="new@example.com", first_name="Gracie")

            page = await contacts.list_page(db, ContactFilter(text="GRAC"))

            assert sorted(c.email for c in page.items) == ["new@example.com", "old@example.com"]

    async def test_a_failing_migration_records_nothing_and_leaves_no_schema(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        broken = Migration(
            version=9999,
            name="broken",
            sql="DEFINE TABLE half_done SCHEMAFULL;\nDEFINE FIELD broken ON;",
        )
        monkeypatch.setattr(schema, "available", lambda: [*available(), broken])

        with pytest.raises(DatabaseError):
            await migrate(db)

        assert 9999 not in await recorded_versions(db)
        tables = (await db.one("INFO FOR DB"))["tables"]
        assert "half_done" not in tables

    async def test_a_failing_statement_rolls_back_the_whole_migration(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Parses fine but fails when run: existing rows violate the new field's type.
        await db.query("CREATE company CONTENT {name: 'Acme', name_key: 'acme'}")
        broken = Migration(
            version=9999,
            name="broken",
            sql="DEFINE TABLE half_done SCHEMAFULL;\n"
            "DEFINE FIELD OVERWRITE name ON company TYPE int;\n"
            "UPDATE company SET name = name;",
        )
        monkeypatch.setattr(schema, "available", lambda: [*available(), broken])

        with pytest.raises(DatabaseError):
            await migrate(db)

        assert 9999 not in await recorded_versions(db)
        assert "half_done" not in (await db.one("INFO FOR DB"))["tables"]
        assert await db.one("SELECT VALUE name FROM company") == ["Acme"]


class TestInitCommand:
    def test_init_creates_the_default_file_under_the_data_dir(
        self, isolated_data_dir: Path
    ) -> None:
        result = CliRunner().invoke(app, ["init", "--json"])

        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["schema_version"] == latest()
        path = embedded_file(report["database"])
        assert path == (isolated_data_dir / "crm.db").resolve()
        assert path.exists()

    def test_init_twice_keeps_one_record_per_migration(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = f"surrealkv://{tmp_path / 'shop.db'}"
        monkeypatch.setenv("CRM_DB_URL", url)
        runner = CliRunner()

        first = runner.invoke(app, ["init", "--json"])
        second = runner.invoke(app, ["init", "--json"])

        assert first.exit_code == 0, first.output
        assert second.exit_code == 0, second.output
        assert json.loads(first.stdout) == json.loads(second.stdout)

        async def versions() -> list[int]:
            async with connect(Settings(db_url=url)) as db:
                return await recorded_versions(db)

        assert asyncio.run(versions()) == [m.version for m in available()]

    def test_init_works_on_a_memory_database(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CRM_DB_URL", "mem://")

        result = CliRunner().invoke(app, ["init", "--json"])

        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {"database": "mem://", "schema_version": latest()}

    def test_init_prints_a_line_for_people(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CRM_DB_URL", "mem://")

        result = CliRunner().invoke(app, ["init"])

        assert result.exit_code == 0
        assert "Database ready" in result.stdout


class TestUpgradeNotice:
    def test_a_command_on_an_older_database_says_which_upgrades_it_applies(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = f"surrealkv://{tmp_path / 'shop.db'}"
        monkeypatch.setenv("CRM_DB_URL", url)
        newest = available()[-2:]

        async def older() -> None:
            async with connect(Settings(db_url=url)) as db:
                with monkeypatch.context() as before:
                    before.setattr(schema, "available", lambda: available()[:-2])
                    await migrate(db)

        asyncio.run(older())
        runner = CliRunner()

        first = runner.invoke(app, ["contacts", "list"])
        again = runner.invoke(app, ["contacts", "list"])

        assert first.exit_code == 0, first.output
        notices = [line for line in first.stderr.splitlines() if line.startswith("Upgrading")]
        assert notices == [
            f"Upgrading the database: {m.version:04d} {m.name.replace('_', ' ')} …" for m in newest
        ]
        assert again.exit_code == 0 and "Upgrading" not in again.stderr

    def test_a_new_database_is_set_up_without_upgrade_notices(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CRM_DB_URL", f"surrealkv://{tmp_path / 'new.db'}")

        result = CliRunner().invoke(app, ["contacts", "list"])

        assert result.exit_code == 0, result.output
        assert "Upgrading" not in result.stderr
