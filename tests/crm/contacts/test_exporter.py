"""`crm contacts export`: a CSV that imports again into the same contacts."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from crm.contacts import exporter, service
from crm.contacts.csv_format import neutralise, restore
from crm.contacts.exporter import export_csv
from crm.contacts.importer import ImportOptions, import_csv
from crm.contacts.models import Contact, Status
from crm.contacts.repository import ContactFilter
from crm.db import Database, connect
from crm.schema import migrate
from factories import make_contact, make_contacts
from kernel.errors import ValidationFailed
from kernel.settings import Settings

# What a user put in; ids, timestamps and consent bookkeeping are the database's own.
KEPT = ("email", "first_name", "last_name", "phone", "title", "company_name", "country", "city",
        "tags", "custom", "status")  # fmt: skip


def essentials(contacts: list[Contact]) -> list[dict[str, Any]]:
    return sorted(
        ({k: getattr(c, k) for k in KEPT} for c in contacts), key=lambda c: str(c["email"])
    )


async def everyone(db: Database) -> list[Contact]:
    return (await service.list_page(db, ContactFilter(), limit=1000)).items


def read_back(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def sample(db: Database) -> None:
    await make_contact(
        db,
        email="Ada@Example.com",
        first_name="Ada",
        last_name="Lovelace, Countess",
        phone="020 7946 0018",
        country="GB",
        city="London",
        title="Founder",
        company="Analytical Engines",
        tags=["vip", "news"],
        custom={"plan": "pro", "seats": 12, "mrr": 99.5, "trial": False, "zip": "02139"},
        status=Status.CUSTOMER,
    )
    await make_contact(
        db,
        email="grace@navy.example",
        first_name="Grace",
        last_name='Hopper "Amazing"',
        phone="ask the front desk",
        company="US Navy",
        custom={"notes": "line one\nline two"},
        status=Status.UNSUBSCRIBED,
    )
    await make_contact(db, email="linus@kernel.example")


class TestRoundTrip:
    async def test_export_then_import_into_an_empty_database_gives_the_same_contacts(
        self, db: Database, tmp_path: Path
    ) -> None:
        await sample(db)
        path = tmp_path / "out.csv"

        assert await export_csv(db, path) == 3

        async with connect(Settings(db_url="mem://")) as empty:
            await migrate(empty)
            report = await import_csv(empty, path, ImportOptions())
            assert (report.created, report.failed) == (3, 0)
            assert essentials(await everyone(empty)) == essentials(await everyone(db))

    async def test_exporting_in_several_pages_writes_each_contact_once(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(exporter, "PAGE", 3)
        created = await make_contacts(db, count=10)
        path = tmp_path / "out.csv"

        assert await export_csv(db, path) == 10

        emails = [row["email"] for row in read_back(path)]
        assert sorted(emails) == sorted(c.email for c in created)


class TestFile:
    async def test_columns_and_cells(self, db: Database, tmp_path: Path) -> None:
        await sample(db)
        path = tmp_path / "out.csv"

        await export_csv(db, path)

        rows = {row["email"]: row for row in read_back(path)}
        ada = rows["Ada@example.com"]
        assert ada["company"] == "Analytical Engines"
        assert ada["tags"] == "vip;news"
        assert ada["custom.plan"] == "pro"
        assert ada["custom.trial"] == "false"
        assert ada["custom.zip"] == "02139"
        assert rows["linus@kernel.example"]["custom.plan"] == ""

    async def test_a_filter_exports_only_its_contacts(self, db: Database, tmp_path: Path) -> None:
        await sample(db)
        path = tmp_path / "out.csv"

        assert await export_csv(db, path, ContactFilter(tag="vip")) == 1

        assert [row["email"] for row in read_back(path)] == ["Ada@example.com"]

    async def test_an_empty_database_exports_just_the_header(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = tmp_path / "out.csv"

        assert await export_csv(db, path) == 0

        assert path.read_text().splitlines()[0].startswith("email,")
        assert read_back(path) == []

    async def test_an_unwritable_path_is_a_clear_error(self, db: Database, tmp_path: Path) -> None:
        with pytest.raises(ValidationFailed, match="no-such-dir"):
            await export_csv(db, tmp_path / "no-such-dir" / "out.csv")


# Typed into a public form, opened later in a spreadsheet.
FORMULAS = {
    "first_name": '=HYPERLINK("http://evil.example","x")',
    "city": "@SUM(A1:A9)",
    "title": "-2+3",
    "company": "+cmd|' /C calc'!A0",
}
CUSTOM = {"note": "'=already quoted", "plain": "it's fine", "delta": -5}


class TestSpreadsheetSafety:
    async def hostile(self, db: Database) -> None:
        await make_contact(db, email="eve@evil.example", custom=CUSTOM, **FORMULAS)

    async def test_cells_that_start_a_formula_get_a_quote(
        self, db: Database, tmp_path: Path
    ) -> None:
        await self.hostile(db)
        path = tmp_path / "out.csv"

        await export_csv(db, path)

        [row] = read_back(path)
        assert row["first_name"] == "'" + FORMULAS["first_name"]
        assert row["city"] == "'@SUM(A1:A9)"
        assert row["title"] == "'-2+3"
        assert row["company"] == "'" + FORMULAS["company"]
        assert row["custom.note"] == "''=already quoted"
        assert row["custom.delta"] == "'-5"
        assert row["custom.plain"] == "it's fine"
        assert row["email"] == "eve@evil.example"

    async def test_raw_exports_cells_as_they_are(self, db: Database, tmp_path: Path) -> None:
        await self.hostile(db)
        path = tmp_path / "out.csv"

        await export_csv(db, path, raw=True)

        [row] = read_back(path)
        assert row["first_name"] == FORMULAS["first_name"]
        assert row["custom.note"] == "'=already quoted"

    async def test_a_safe_export_imports_back_to_the_original_values(
        self, db: Database, tmp_path: Path
    ) -> None:
        await self.hostile(db)
        path = tmp_path / "out.csv"
        await export_csv(db, path)

        async with connect(Settings(db_url="mem://")) as empty:
            await migrate(empty)
            report = await import_csv(empty, path, ImportOptions())
            assert (report.created, report.failed) == (1, 0)
            assert essentials(await everyone(empty)) == essentials(await everyone(db))


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "'=x", "''@x"])
def test_neutralised_cells_are_restored_exactly(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert restore(neutralise(cell)) == cell


@pytest.mark.parametrize("cell", ["", "plain", "it's", "'quoted", "a=b", " =x"])
def test_other_cells_pass_both_ways_unchanged(cell: str) -> None:
    assert neutralise(cell) == restore(cell) == cell
