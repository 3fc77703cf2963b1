"""The connection: bound parameters, error mapping, embedded files and their lock."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest

from crm.db import Database, Pattern, connect, embedded_file, lock_owner
from crm.schema import migrate
from kernel.errors import Conflict, DatabaseError, DatabaseLocked
from kernel.settings import Settings


class TestSettings:
    def test_default_database_is_a_surrealkv_file_under_the_data_dir(
        self, isolated_data_dir: Path
    ) -> None:
        url = Settings().database_url

        assert url.startswith("surrealkv://")
        assert embedded_file(url) == (isolated_data_dir / "crm.db").resolve()

    def test_crm_db_url_overrides_the_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CRM_DB_URL", "mem://")

        assert Settings().database_url == "mem://"


class TestQuery:
    async def test_values_are_bound_not_spliced_into_the_statement(self, db: Database) -> None:
        hostile = "x'; DELETE company; --"
        await db.query("CREATE company CONTENT {name: 'safe', name_key: 'safe'}")

        await db.query("CREATE company CONTENT {name: $name, name_key: $name}", {"name": hostile})

        names = await db.one("SELECT VALUE name FROM company ORDER BY name")
        assert sorted(names) == sorted(["safe", hostile])

    async def test_one_returns_the_last_statements_result(self, db: Database) -> None:
        assert await db.one("RETURN 1; RETURN 2") == 2

    async def test_a_unique_index_violation_is_a_conflict(self, db: Database) -> None:
        row = {"email": "a@example.com", "email_key": "a@example.com"}
        await db.query("CREATE contact CONTENT $row", {"row": row})

        with pytest.raises(Conflict):
            await db.query("CREATE contact CONTENT $row", {"row": row})

    async def test_a_failed_transaction_reports_its_real_cause_and_writes_nothing(
        self, db: Database
    ) -> None:
        with pytest.raises(DatabaseError) as caught:
            await db.query(
                "BEGIN;"
                "CREATE company CONTENT {name: 'a', name_key: 'a'};"
                "CREATE landing_page CONTENT {slug: 'a', title: 'A', spec: {}, status: 'bogus'};"
                "COMMIT;"
            )

        assert "failed transaction" not in caught.value.message
        assert "status" in caught.value.message
        assert await db.one("SELECT * FROM company") == []

    async def test_a_pattern_is_bound_as_a_regex_and_the_results_stay_in_order(
        self, db: Database
    ) -> None:
        pattern = Pattern(r"(?i)^a\.b")
        workspace = db.using("other")
        for view in (db, workspace):
            results = await view.query(
                "RETURN ['A.B c' = $p, 'axb' = $p, 5 = $p, NONE = $p]; RETURN $n",
                {"p": pattern, "n": 2},
            )

            assert results == [[True, False, False, False], 2]

    async def test_a_pattern_needs_a_plain_parameter_name(self, db: Database) -> None:
        with pytest.raises(ValueError, match="not a parameter name"):
            await db.query("RETURN 1", {"p; DELETE contact": Pattern("x")})

    async def test_a_syntax_error_is_a_database_error(self, db: Database) -> None:
        with pytest.raises(DatabaseError):
            await db.query("SELEKT * FROM contact")


class TestEmbeddedFile:
    async def test_concurrent_transactions_lose_no_update(self, tmp_path: Path) -> None:
        # Claims, leases and exactly-once sends rely on it. The in-memory engine does not hold
        # it (SurrealDB 2 and 3 alike: 155 committed increments left 153), so tests of several
        # workers run on a file.
        async with connect(Settings(db_url=f"surrealkv://{tmp_path / 'crm.db'}")) as db:
            await db.query("CREATE counter:1 SET n = 0")
            bump = (
                "BEGIN; LET $n = (SELECT VALUE n FROM ONLY counter:1);"
                " UPDATE counter:1 SET n = $n + 1; COMMIT;"
            )
            await asyncio.gather(*(db.query(bump) for _ in range(200)))

            assert await db.one("SELECT VALUE n FROM ONLY counter:1") == 200

    async def test_data_persists_across_connections(self, tmp_path: Path) -> None:
        settings = Settings(db_url=f"surrealkv://{tmp_path / 'crm.db'}")
        async with connect(settings) as db:
            await migrate(db)
            await db.query("CREATE company CONTENT {name: 'Acme', name_key: 'acme'}")

        async with connect(settings) as db:
            assert await db.one("SELECT VALUE name FROM company") == ["Acme"]

    async def test_a_second_connection_to_a_locked_file_fails_at_once_naming_the_file(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "crm.db"
        settings = Settings(db_url=f"surrealkv://{path}")
        async with connect(settings) as db:
            await migrate(db)
            with pytest.raises(DatabaseLocked) as caught:
                async with connect(settings):
                    pytest.fail("opened a database another connection holds")

            assert str(path) in caught.value.message
            assert "CRM_DB_LOCK_TIMEOUT" in caught.value.message
            assert caught.value.details["owner"]["pid"] > 0

    async def test_the_lock_and_its_owner_record_are_released_on_close(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "crm.db"
        settings = Settings(db_url=f"surrealkv://{path}")
        async with connect(settings):
            assert lock_owner(path) is not None

        assert lock_owner(path) is None
        async with connect(settings) as db:  # not locked any more
            assert await db.one("RETURN 1") == 1

    async def test_memory_databases_are_not_locked(self) -> None:
        async with connect(Settings(db_url="mem://")), connect(Settings(db_url="mem://")) as db:
            assert await db.one("RETURN 1") == 1

    async def test_a_connection_opens_the_embedded_engine_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Each engine of a large file costs its size in memory to open (and with SurrealDB 2's
        # engine, seconds).
        extension = importlib.import_module("surrealdb_embedded._ext")
        opened: list[str] = []
        engine = extension.AsyncEmbeddedDB

        def counted(url: str) -> object:
            opened.append(url)
            return engine(url)

        monkeypatch.setattr(extension, "AsyncEmbeddedDB", counted)
        settings = Settings(db_url=f"surrealkv://{tmp_path / 'once.db'}")
        async with connect(settings) as db:
            await db.query("CREATE note:a SET text = 'x'")

        assert opened == [settings.database_url]
