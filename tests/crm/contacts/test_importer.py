"""`crm contacts import`: aliases, --map, duplicates, bad rows, the errors file, batches."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

import pytest

from crm.companies import service as companies
from crm.contacts import csv_format, importer, repository, service
from crm.contacts.importer import ImportOptions, ImportReport, OnDuplicate, import_csv
from crm.contacts.models import Contact, Status
from crm.contacts.repository import ContactFilter
from crm.db import Database
from factories import make_company, make_contact, write_csv
from kernel.errors import ValidationFailed

HEADER = ["E-mail", "First Name", "Last Name", "Company", "Job Title", "Phone", "Country",
          "Tags", "Plan"]  # fmt: skip
ADA = ["ada@example.com", "Ada", "Lovelace", "Analytical Engines", "Founder",
       "020 7946 0018", "gb", "VIP; news", "pro"]  # fmt: skip
GRACE = ["Grace@Navy.example", "Grace", "Hopper", "US Navy", "Admiral", "", "US", "news", "7"]


async def everyone(db: Database) -> list[Contact]:
    page = await service.list_page(db, ContactFilter(), limit=1000)
    return sorted(page.items, key=lambda c: c.email.lower())


async def run(db: Database, path: Path, **options: object) -> ImportReport:
    return await import_csv(db, path, ImportOptions(**options))  # type: ignore[arg-type]


def counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    return (report.read, report.created, report.updated, report.skipped, report.failed)


class TestCreate:
    async def test_header_aliases_custom_fields_tags_and_companies(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "leads.csv", [HEADER, ADA, GRACE])

        report = await run(db, path, tags=["Spring Fair"])

        assert counts(report) == (2, 2, 0, 0, 0)
        assert report.errors == []
        ada, grace = await everyone(db)
        assert (ada.email, ada.first_name, ada.last_name, ada.title) == (
            "ada@example.com", "Ada", "Lovelace", "Founder",
        )  # fmt: skip
        assert ada.phone == "+442079460018"
        assert ada.country == "GB"
        assert ada.tags == ["vip", "news", "spring fair"]
        assert ada.custom == {"plan": "pro"}
        assert ada.company_name == "Analytical Engines"
        assert ada.company == (await companies.require(db, "Analytical Engines")).id
        assert grace.email == "Grace@navy.example"
        assert grace.custom == {"plan": 7}
        assert grace.source == "import"
        assert grace.source_detail == "leads.csv"

    async def test_imported_contacts_have_an_imported_event(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "leads.csv", [HEADER, ADA])
        await run(db, path)

        _, events = await service.history(db, "ada@example.com")

        assert [(e.kind, e.data) for e in events] == [
            ("imported", {"source": "import", "detail": "leads.csv"})
        ]

    async def test_map_overrides_the_header(self, db: Database, tmp_path: Path) -> None:
        path = write_csv(
            tmp_path / "crm.csv",
            [["Work Address", "Company", "Internal"], ["ada@example.com", "Acme", "secret"]],
        )

        report = await run(
            db,
            path,
            column_map={
                "Work Address": "email",
                "Company": "custom.employer",
                "Internal": "ignore",
            },
        )

        assert report.created == 1
        (ada,) = await everyone(db)
        assert ada.custom == {"employer": "Acme"}
        assert ada.company is None

    async def test_full_name_status_and_companies_shared_with_existing_ones(
        self, db: Database, tmp_path: Path
    ) -> None:
        existing = await make_company(db, name="Acme")
        path = write_csv(
            tmp_path / "in.csv",
            [["Email", "Name", "Organisation", "Stage"],
             ["ada@example.com", "Ada King Lovelace", "ACME", "customer"],
             ["cy@example.com", "Cy", "acme", ""]],
        )  # fmt: skip

        await run(db, path)

        ada, cy = await everyone(db)
        assert (ada.first_name, ada.last_name) == ("Ada", "King Lovelace")
        assert ada.status is Status.CUSTOMER
        assert (cy.first_name, cy.last_name, cy.status) == ("Cy", None, Status.NEW)
        assert ada.company == cy.company == existing.id

    @pytest.mark.parametrize(
        ("delimiter", "encoding"),
        [(";", "utf-8"), ("\t", "utf-8-sig"), (",", "latin-1"), ("|", "latin-1"), ("\t", "utf-16")],
    )
    async def test_delimiters_and_encodings(
        self, db: Database, tmp_path: Path, delimiter: str, encoding: str
    ) -> None:
        path = write_csv(
            tmp_path / "in.csv",
            [["Email", "First Name", "City"], ["zoe@example.com", "Zoë", "Zürich, CH"]],
            delimiter=delimiter,
            encoding=encoding,
        )

        report = await run(db, path)

        assert counts(report) == (1, 1, 0, 0, 0)
        (zoe,) = await everyone(db)
        assert (zoe.first_name, zoe.city) == ("Zoë", "Zürich, CH")

    async def test_a_file_without_an_email_column_imports_nothing(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "in.csv", [["Name"], ["Ada"]])

        with pytest.raises(ValidationFailed, match="no email column"):
            await run(db, path)

        assert await everyone(db) == []

    async def test_a_header_only_file_reads_nothing(self, db: Database, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "in.csv", [["Email", "Name"]])

        assert counts(await run(db, path)) == (0, 0, 0, 0, 0)

    async def test_report_as_json_has_exactly_the_documented_keys(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "in.csv", [["Email"], ["ada@example.com"], ["nope"]])

        report = (await run(db, path)).as_dict()

        assert report == {
            "read": 2, "created": 1, "updated": 0, "skipped": 0, "failed": 1,
            "errors": [{"line": 3, "reason": report["errors"][0]["reason"]}],
        }  # fmt: skip


class TestBadRows:
    async def test_are_reported_by_physical_line_and_never_stop_the_good_rows(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = tmp_path / "in.csv"
        path.write_text(
            "Email,Name,Notes\n"  # 1
            'good1@example.com,One,"a note\nover two lines"\n'  # 2-3
            ",No Email,x\n"  # 4
            "not-an-email,Bad,x\n"  # 5
            'good2@example.com,Two,"three\nline\nnote"\n'  # 6-8
            "extra@example.com,Too,many,cells\n"  # 9
            "\n"  # 10
            "good3@example.com,Three,\n",  # 11
            newline="",
        )

        report = await run(db, path)

        assert counts(report) == (6, 3, 0, 0, 3)
        assert [e.line for e in report.errors] == [4, 5, 9]
        reasons = [e.reason for e in report.errors]
        assert "no email" in reasons[0]
        assert "not-an-email" in reasons[1]
        assert "too many columns" in reasons[2]
        assert [c.email for c in await everyone(db)] == [
            "good1@example.com", "good2@example.com", "good3@example.com",
        ]  # fmt: skip

    async def test_a_row_the_csv_reader_cannot_take_is_a_bad_row_too(
        self, db: Database, tmp_path: Path
    ) -> None:
        too_big = "x" * (csv.field_size_limit() + 1)
        path = write_csv(
            tmp_path / "in.csv",
            [["Email", "Notes"], ["a@example.com", "ok"], ["big@example.com", too_big],
             ["c@example.com", "ok"]],
        )  # fmt: skip

        report = await run(db, path)

        assert counts(report) == (3, 2, 0, 0, 1)
        assert report.errors[0].line == 3
        assert "field larger than field limit" in report.errors[0].reason
        assert [c.email for c in await everyone(db)] == ["a@example.com", "c@example.com"]


class TestDuplicates:
    @pytest.fixture
    def file(self, tmp_path: Path) -> Path:
        return write_csv(
            tmp_path / "in.csv",
            [["Email", "First Name", "City", "Tags"],
             ["known@example.com", "Known", "Paris", "fair"],  # line 2: already in the database
             ["new@example.com", "New", "", ""],  # line 3
             ["NEW@example.com", "", "Oslo", "late"],  # line 4: same as line 3
             ["other@example.com", "Other", "", ""]],  # line 5
        )  # fmt: skip

    @pytest.fixture
    async def known(self, db: Database) -> Contact:
        return await make_contact(db, email="Known@example.com", first_name="K", tags=["old"])

    @pytest.mark.parametrize("batch_size", [1, 2, 1000])
    async def test_skip_is_the_default(
        self, db: Database, file: Path, known: Contact, batch_size: int,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:  # fmt: skip
        monkeypatch.setattr(importer, "BATCH_SIZE", batch_size)

        report = await run(db, file)

        assert counts(report) == (4, 2, 0, 2, 0)
        assert await service.require(db, known.id) == known
        new = await service.require(db, "new@example.com")
        assert (new.first_name, new.city, new.tags) == ("New", None, [])
        assert len(await everyone(db)) == 3

    @pytest.mark.parametrize("batch_size", [1, 2, 1000])
    async def test_update_fills_in_the_cells_the_rows_have(
        self, db: Database, file: Path, known: Contact, batch_size: int,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:  # fmt: skip
        monkeypatch.setattr(importer, "BATCH_SIZE", batch_size)

        report = await run(db, file, on_duplicate=OnDuplicate.UPDATE)

        assert counts(report) == (4, 2, 2, 0, 0)
        k = await service.require(db, known.id)
        assert (k.email, k.first_name, k.city, k.tags) == (
            "Known@example.com", "Known", "Paris", ["old", "fair"],
        )  # fmt: skip
        new = await service.require(db, "new@example.com")
        assert (new.first_name, new.city, new.tags) == ("New", "Oslo", ["late"])
        assert len(await everyone(db)) == 3
        _, events = await service.history(db, known.id)
        assert events[0].kind == "updated"
        assert events[0].data == {"fields": ["city", "first_name", "tags"], "source": "import"}

    @pytest.mark.parametrize("batch_size", [1, 2, 1000])
    async def test_error_reports_each_duplicate_and_what_it_duplicates(
        self, db: Database, file: Path, known: Contact, batch_size: int,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:  # fmt: skip
        monkeypatch.setattr(importer, "BATCH_SIZE", batch_size)

        report = await run(db, file, on_duplicate=OnDuplicate.ERROR)

        assert counts(report) == (4, 2, 0, 0, 2)
        assert [e.line for e in report.errors] == [2, 4]
        assert known.id in report.errors[0].reason
        assert "duplicate email" in report.errors[1].reason
        assert await service.require(db, known.id) == known

    @pytest.mark.parametrize("batch_size", [1, 3, 1000])
    async def test_rerunning_an_import_creates_no_duplicates(
        self, db: Database, file: Path, batch_size: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(importer, "BATCH_SIZE", batch_size)
        first = await run(db, file)
        before = await everyone(db)

        again = await run(db, file)

        assert counts(first) == (4, 3, 0, 1, 0)
        assert counts(again) == (4, 0, 0, 4, 0)
        assert await everyone(db) == before

    async def test_rerunning_with_update_changes_nothing_the_second_time(
        self, db: Database, file: Path
    ) -> None:
        await run(db, file, on_duplicate=OnDuplicate.UPDATE)
        before = await everyone(db)

        again = await run(db, file, on_duplicate=OnDuplicate.UPDATE)

        assert counts(again) == (4, 0, 0, 4, 0)
        assert await everyone(db) == before

    @pytest.mark.parametrize("mode", [OnDuplicate.UPDATE, OnDuplicate.ERROR])
    async def test_a_later_row_never_overtakes_a_slow_write_of_the_same_email(
        self, db: Database, tmp_path: Path, mode: OnDuplicate, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Batches are written two at a time; the one holding line 2 is slow to reach the
        # database, and line 3 (the same email) waits for it all the same.
        path = write_csv(
            tmp_path / "in.csv",
            [["Email", "First Name"], ["new@example.com", "Early"], ["NEW@example.com", "Late"]],
        )
        real = repository.insert_or_get

        async def slow_early(db: Database, rows: Any) -> list[dict[str, Any] | None]:
            if b"Early" in getattr(rows, "data", b""):
                await asyncio.sleep(0.3)
            return await real(db, rows)

        monkeypatch.setattr(repository, "insert_or_get", slow_early)
        monkeypatch.setattr(importer, "BATCH_SIZE", 1)

        report = await run(db, path, on_duplicate=mode)

        new = await service.require(db, "new@example.com")
        if mode is OnDuplicate.UPDATE:
            assert counts(report) == (2, 1, 1, 0, 0)
            assert new.first_name == "Late"
        else:
            assert [e.line for e in report.errors] == [3]
            assert new.first_name == "Early"

    @pytest.mark.parametrize("remembered", [1, 2, 1000])
    async def test_repeats_are_skipped_however_many_emails_are_remembered(
        self, db: Database, tmp_path: Path, remembered: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The importer skips a repeat it remembers without asking the database; past that
        # many emails it forgets, and the database's unique index turns the repeat away.
        rows = [["Email", "First Name"]]
        rows += [[f"p{n % 6}@example.com", f"Row {n}"] for n in range(15)]
        path = write_csv(tmp_path / "in.csv", rows)
        monkeypatch.setattr(importer, "BATCH_SIZE", 2)
        monkeypatch.setattr(importer, "SEEN_EMAILS_SIZE", remembered)

        report = await run(db, path)

        assert counts(report) == (15, 6, 0, 9, 0)
        assert [(c.email, c.first_name) for c in await everyone(db)] == [
            (f"p{n}@example.com", f"Row {n}") for n in range(6)
        ]


class TestBatches:
    @pytest.mark.parametrize("batch_size", [1, 2, 7])
    async def test_many_batches_give_the_same_result_as_one(
        self, db: Database, tmp_path: Path, batch_size: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rows = [["Email", "Company", "Score"]]
        for n in range(20):
            rows.append([f"p{n % 15}@example.com", f"Company {n % 4}", str(n)])
        rows.insert(6, ["broken", "X", "1"])
        path = write_csv(tmp_path / "in.csv", rows)
        monkeypatch.setattr(importer, "BATCH_SIZE", batch_size)

        report = await run(db, path)

        assert counts(report) == (21, 15, 0, 5, 1)
        assert [e.line for e in report.errors] == [7]
        contacts = await everyone(db)
        assert len(contacts) == 15
        assert len({c.company for c in contacts}) == 4
        items, _ = await companies.list_page(db, cursor=None, limit=100)
        assert len(items) == 4

    async def test_companies_past_the_remembered_limit_are_looked_up_again(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Files with more companies than the importer remembers: each batch still links each
        # contact to its own company, and no company is created twice.
        rows = [["Email", "Company"]]
        rows += [[f"p{n}@example.com", f"Company {n % 5}"] for n in range(12)]
        path = write_csv(tmp_path / "in.csv", rows)
        monkeypatch.setattr(importer, "BATCH_SIZE", 3)
        monkeypatch.setattr(importer, "COMPANY_CACHE_SIZE", 2)

        report = await run(db, path)

        assert counts(report) == (12, 12, 0, 0, 0)
        items, _ = await companies.list_page(db, cursor=None, limit=100)
        names = {c.id: c.name for c in items}
        assert sorted(names.values()) == [f"Company {n}" for n in range(5)]
        for contact in await everyone(db):
            n = int(contact.email.removeprefix("p").split("@")[0])
            assert names[contact.company] == f"Company {n % 5}"


class TestErrorsFile:
    async def test_failed_rows_can_be_fixed_and_imported_again(
        self, db: Database, tmp_path: Path
    ) -> None:
        source = write_csv(
            tmp_path / "in.csv",
            [["Email", "First Name", "Plan"],
             ["ok@example.com", "Ok", "pro"],
             ["not-an-email", "Fixme", "free"],
             ["", "Nomail", "free"],
             ["short"]],
        )  # fmt: skip
        errors = tmp_path / "errors.csv"

        report = await run(db, source, errors_file=errors)

        assert report.failed == 3
        with errors.open(newline="", encoding="utf-8") as handle:
            written = list(csv.DictReader(handle))
        assert [(r["_line"], r["First Name"]) for r in written] == [
            ("3", "Fixme"), ("4", "Nomail"), ("5", ""),
        ]  # fmt: skip
        assert all(r["_error"] for r in written)

        fixed = [
            {**r, "Email": f"{r['First Name'] or 'short'}@example.com".lower()} for r in written
        ]
        with errors.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(written[0]))
            writer.writeheader()
            writer.writerows(fixed)

        again = await run(db, errors)

        assert counts(again) == (3, 3, 0, 0, 0)
        fixme = await service.require(db, "fixme@example.com")
        assert fixme.custom == {"plan": "free"}
        assert set(fixme.custom) == {"plan"}  # _line and _error are not imported

    async def test_undecodable_bytes_are_a_row_error_and_land_in_the_errors_file(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The encoding is guessed from the start of the file; the bad bytes come later.
        monkeypatch.setattr(csv_format, "SNIFF_BYTES", 32)
        path = tmp_path / "in.csv"
        good = "".join(f"p{n}@example.com,Zoë\n" for n in range(3))
        path.write_bytes(("Email,Name\n" + good).encode() + b"bad@example.com,M\xfcller\n")
        errors = tmp_path / "errors.csv"

        report = await run(db, path, errors_file=errors)

        assert counts(report) == (4, 3, 0, 0, 1)
        assert report.errors[0].line == 5
        assert "encoding" in report.errors[0].reason
        with errors.open(newline="", encoding="utf-8") as handle:
            (row,) = list(csv.DictReader(handle))
        assert row["Email"] == "bad@example.com"
        assert row["Name"] == "Müller"  # the odd bytes read as latin-1, the likeliest guess
        assert row["_line"] == "5"

    async def test_a_nul_byte_is_a_row_error_and_the_other_rows_land(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = tmp_path / "in.csv"
        path.write_bytes(b"Email,Name\na@example.com,Ada\nb@example.com,B\x00b\n")

        report = await run(db, path)

        assert counts(report) == (2, 1, 0, 0, 1)
        assert (report.errors[0].line, report.errors[0].reason) == (3, "a NUL byte in a cell")
        assert [c.email for c in await everyone(db)] == ["a@example.com"]

    async def test_bad_custom_field_names_fail_each_row_with_the_reason(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = write_csv(
            tmp_path / "in.csv",
            [["Email", "Plan"], ["a@example.com", "pro"], ["b@example.com", ""]],
        )

        report = await run(db, path, column_map={"Plan": "custom.Plan-Type"})

        assert counts(report) == (2, 1, 0, 0, 1)
        assert report.errors[0].line == 2
        assert "bad custom field name" in report.errors[0].reason
        assert [c.email for c in await everyone(db)] == ["b@example.com"]

    async def test_the_report_keeps_a_bounded_number_of_errors_the_file_gets_all(
        self, db: Database, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "in.csv", [["Email"]] + [[f"bad{n}"] for n in range(5)])
        errors = tmp_path / "errors.csv"

        report = await import_csv(
            db, path, ImportOptions(errors_file=errors, max_reported_errors=2)
        )

        assert report.failed == 5
        assert [e.line for e in report.errors] == [2, 3]
        with errors.open(newline="", encoding="utf-8") as handle:
            assert len(list(csv.DictReader(handle))) == 5
