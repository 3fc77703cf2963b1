"""`crm contacts …` through the CLI contract: one JSON document, exit codes 0/1/2."""

from __future__ import annotations

import base64
import csv
import json
import shlex
from pathlib import Path

import pytest

from crm_cli import Crm, contact_ids
from factories import write_csv


def add(crm: Crm, email: str, *extra: str) -> dict[str, object]:
    contact: dict[str, object] = crm.json("contacts", "add", "--email", email, *extra)
    return contact


class TestAdd:
    def test_prints_the_contact_with_a_plain_string_id(self, crm: Crm) -> None:
        contact = add(
            crm, " Ada@Example.COM ", "--first-name", "Ada", "--company", "Acme",
            "--phone", "020 7946 0018", "--country", "gb", "--tag", "VIP", "--tag", "news",
            "--field", "plan=pro", "--field", "seats=3",
        )  # fmt: skip

        assert isinstance(contact["id"], str)
        assert ":" not in contact["id"]
        assert contact["email"] == "Ada@example.com"
        assert contact["phone"] == "+442079460018"
        assert contact["company_name"] == "Acme"
        assert contact["tags"] == ["vip", "news"]
        assert contact["custom"] == {"plan": "pro", "seats": 3}
        assert contact["status"] == "new"

    def test_prints_a_line_for_people(self, crm: Crm) -> None:
        result = crm("contacts", "add", "--email", "ada@example.com")

        assert result.exit_code == 0
        assert "Added contact" in result.stdout
        assert "ada@example.com" in result.stdout

    def test_a_duplicate_email_in_another_case_is_a_clear_conflict(self, crm: Crm) -> None:
        first = add(crm, "ada@example.com")

        error = crm.fails("contacts", "add", "--email", "ADA@example.com", "--json")

        assert "already exists" in error
        assert str(first["id"]) in error
        assert len(crm.json("contacts", "list")["items"]) == 1

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--email", "not-an-email"], "email"),
            (["--email", "a@example.com", "--field", "Bad-Name=1"], "bad custom field name"),
            (["--email", "a@example.com", "--field", "novalue"], "KEY=VALUE"),
        ],
    )
    def test_bad_input_is_one_red_line(self, crm: Crm, args: list[str], message: str) -> None:
        assert message in crm.fails("contacts", "add", *args, "--json")

    def test_a_missing_required_option_is_a_usage_error(self, crm: Crm) -> None:
        crm.fails("contacts", "add", "--first-name", "Ada", code=2)


class TestShow:
    def test_json_has_the_contact_and_its_timeline(self, crm: Crm) -> None:
        contact = add(crm, "ada@example.com")
        crm.json("contacts", "update", str(contact["id"]), "--status", "contacted")

        shown = crm.json("contacts", "show", "ADA@example.com")

        assert shown["id"] == contact["id"]
        assert shown["status"] == "contacted"
        assert [e["kind"] for e in shown["timeline"]] == ["status_changed", "updated", "created"]
        assert shown["timeline"][0]["data"] == {"from": "new", "to": "contacted"}
        assert shown["timeline"][1]["data"] == {"fields": ["status"]}

    def test_prints_the_timeline_for_people(self, crm: Crm) -> None:
        contact = add(crm, "ada@example.com", "--first-name", "Ada")
        crm.json("contacts", "update", str(contact["id"]), "--title", "CTO")

        result = crm("contacts", "show", str(contact["id"]))

        assert result.exit_code == 0
        assert "Timeline" in result.stdout
        assert "created" in result.stdout
        assert "fields: title" in result.stdout

    def test_prints_enrichment_provenance_as_a_table(self, crm: Crm) -> None:
        add(crm, "ada@example.com", "--country", "Germany", "--title", "VP of Sales")
        crm.json("enrich")

        out = crm("contacts", "show", "ada@example.com").stdout

        assert "datetime" not in out and "{'" not in out and "['" not in out
        assert "Enrichment" in out
        country = next(line for line in out.splitlines() if line.startswith("│ country"))
        cells = [c.strip() for c in country.strip("│").split("│")]
        assert cells[:5] == ["country", "DE", "Germany", "country", "0.99"]
        assert "previous: country=Germany" in out

    def test_unknown_contact_is_a_user_error(self, crm: Crm) -> None:
        assert "no contact" in crm.fails("contacts", "show", "nobody@example.com")


class TestUpdate:
    def test_fields_tags_and_custom_fields(self, crm: Crm) -> None:
        contact = add(crm, "ada@example.com", "--tag", "old", "--tag", "keep",
                      "--field", "plan=free", "--field", "seats=1")  # fmt: skip

        updated = crm.json(
            "contacts", "update", str(contact["id"]), "--last-name", "Lovelace",
            "--tag", "new", "--untag", "old", "--field", "plan=pro",
        )  # fmt: skip

        assert updated["last_name"] == "Lovelace"
        assert updated["tags"] == ["keep", "new"]
        assert updated["custom"] == {"plan": "pro", "seats": 1}
        assert crm.json("contacts", "show", str(contact["id"]))["tags"] == ["keep", "new"]

    def test_status_moves_forward_and_skips(self, crm: Crm) -> None:
        contact = add(crm, "ada@example.com")

        updated = crm.json("contacts", "update", str(contact["id"]), "--status", "qualified")

        assert updated["status"] == "qualified"

    @pytest.mark.parametrize(
        ("path", "target", "message"),
        [
            (["contacted"], "new", "cannot move a contact back"),
            (["unsubscribed"], "customer", "terminal"),
            (["bounced"], "unsubscribed", "terminal"),
            ([], "vip", "status"),
        ],
    )
    def test_refused_status_changes_are_a_clear_error(
        self, crm: Crm, path: list[str], target: str, message: str
    ) -> None:
        contact_id = str(add(crm, "ada@example.com")["id"])
        for status in path:
            crm.json("contacts", "update", contact_id, "--status", status)

        assert message in crm.fails("contacts", "update", contact_id, "--status", target)
        assert crm.json("contacts", "show", contact_id)["status"] == (path or ["new"])[-1]

    def test_taking_another_contacts_email_is_a_conflict(self, crm: Crm) -> None:
        add(crm, "ada@example.com")
        grace = add(crm, "grace@example.com")

        error = crm.fails("contacts", "update", str(grace["id"]), "--email", "Ada@Example.com")

        assert "ada@example.com" in error.lower()


class TestDelete:
    def test_deletes_by_id_or_email(self, crm: Crm) -> None:
        ada = add(crm, "ada@example.com")
        grace = add(crm, "grace@example.com")

        assert crm.json("contacts", "delete", str(ada["id"])) == {"deleted": ada["id"]}
        assert crm.json("contacts", "delete", "GRACE@example.com") == {"deleted": grace["id"]}
        assert crm.json("contacts", "list")["items"] == []
        crm.fails("contacts", "show", str(ada["id"]))

    def test_unknown_contact_is_a_user_error(self, crm: Crm) -> None:
        crm.fails("contacts", "delete", "nobody")


def seed(crm: Crm, tmp_path: Path, count: int) -> list[str]:
    """`count` contacts through one import: person0@…, half tagged vip, a third at Acme."""
    rows = [["Email", "Name", "Company", "Tags"]]
    for n in range(count):
        rows.append([f"person{n}@example.com", f"Person {n}", "Acme" if n % 3 == 0 else "",
                     "vip" if n % 2 == 0 else ""])  # fmt: skip
    crm.json("contacts", "import", write_csv(tmp_path / "seed.csv", rows))
    return contact_ids(crm.json("contacts", "list", "--limit", "1000")["items"])


class TestList:
    def test_walking_the_cursor_returns_every_contact_exactly_once(
        self, crm: Crm, tmp_path: Path
    ) -> None:
        everyone = seed(crm, tmp_path, 11)
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            args = ["contacts", "list", "--limit", "4"] + (["--cursor", cursor] if cursor else [])
            page = crm.json(*args)
            pages += 1
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break

        assert pages == 3
        assert sorted(seen) == everyone
        assert len(seen) == len(set(seen))

    def test_following_the_more_hint_pages_through_the_same_list(
        self, crm: Crm, tmp_path: Path
    ) -> None:
        seed(crm, tmp_path, 12)
        vip = sorted(f"person{n}@example.com" for n in range(0, 12, 2))
        command = ["contacts", "list", "--tag", "vip", "--search", "person", "--limit", "4"]
        seen = [item["email"] for item in crm.json(*command)["items"]]

        hint = crm(*command).stdout.splitlines()[-1]
        assert hint.startswith("More: crm contacts list ")
        next_page = crm.json(*shlex.split(hint.removeprefix("More: crm ")))

        seen += [item["email"] for item in next_page["items"]]
        assert sorted(seen) == vip
        assert next_page["next_cursor"] is None

    def test_filters(self, crm: Crm, tmp_path: Path) -> None:
        seed(crm, tmp_path, 9)
        crm.json("contacts", "update", "person4@example.com", "--status", "engaged")

        def emails(*args: str) -> list[str]:
            items = crm.json("contacts", "list", *args)["items"]
            return sorted(item["email"] for item in items)

        assert emails("--tag", "VIP") == [f"person{n}@example.com" for n in (0, 2, 4, 6, 8)]
        assert emails("--company", "acme") == [f"person{n}@example.com" for n in (0, 3, 6)]
        assert emails("--status", "engaged") == ["person4@example.com"]
        assert emails("--search", "PERSON 7") == []  # names are matched per field
        assert emails("--search", "person7") == ["person7@example.com"]
        assert emails("--tag", "vip", "--status", "engaged") == ["person4@example.com"]

    def test_unknown_company_is_a_user_error(self, crm: Crm) -> None:
        assert "no company" in crm.fails("contacts", "list", "--company", "Nowhere Inc")

    @pytest.mark.parametrize(
        "cursor",
        [
            base64.urlsafe_b64encode(b"`; DELETE contact; --").decode(),
            "`; DELETE contact; --",
            "%%%junk%%%",
        ],
    )
    def test_a_hostile_cursor_is_a_clear_error_and_harms_nothing(
        self, crm: Crm, tmp_path: Path, cursor: str
    ) -> None:
        everyone = seed(crm, tmp_path, 3)

        assert "invalid cursor" in crm.fails("contacts", "list", "--cursor", cursor, "--json")
        assert contact_ids(crm.json("contacts", "list")["items"]) == everyone

    @pytest.mark.parametrize("limit", ["0", "1001", "many"])
    def test_a_bad_limit_is_a_usage_error(self, crm: Crm, limit: str) -> None:
        crm.fails("contacts", "list", "--limit", limit, code=2)


LEADS = [
    ["E-mail", "First Name", "Company", "Plan"],
    ["ada@example.com", "Ada", "Analytical Engines", "pro"],  # 2
    ["not-an-email", "Bad", "", ""],  # 3
    ["grace@example.com", "Grace", "US Navy", "free"],  # 4
    ["ADA@example.com", "Ada again", "", ""],  # 5: duplicate of line 2
]


class TestImport:
    def test_json_report_is_exactly_the_documented_document(self, crm: Crm, tmp_path: Path) -> None:
        report = crm.json("contacts", "import", write_csv(tmp_path / "leads.csv", LEADS))

        assert report == {
            "read": 4, "created": 2, "updated": 0, "skipped": 1, "failed": 1,
            "errors": [{"line": 3, "reason": report["errors"][0]["reason"]}],
        }  # fmt: skip
        assert "not-an-email" in report["errors"][0]["reason"]
        ada = crm.json("contacts", "show", "ada@example.com")
        assert ada["company_name"] == "Analytical Engines"
        assert ada["custom"] == {"plan": "pro"}
        assert [e["kind"] for e in ada["timeline"]] == ["imported"]

    def test_prints_a_summary_and_the_bad_lines_for_people(self, crm: Crm, tmp_path: Path) -> None:
        result = crm("contacts", "import", write_csv(tmp_path / "leads.csv", LEADS))

        assert result.exit_code == 0
        assert "read 4, created 2, updated 0, skipped 1, failed 1" in result.stdout
        assert "line 3:" in result.stderr

    def test_rerunning_creates_no_duplicates(self, crm: Crm, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "leads.csv", LEADS)
        crm.json("contacts", "import", path)

        again = crm.json("contacts", "import", path)

        assert (again["created"], again["skipped"], again["failed"]) == (0, 3, 1)
        assert len(crm.json("contacts", "list")["items"]) == 2

    def test_on_duplicate_update_and_error(self, crm: Crm, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "leads.csv", LEADS)

        updated = crm.json("contacts", "import", path, "--on-duplicate", "update")
        assert (updated["created"], updated["updated"]) == (2, 1)
        assert crm.json("contacts", "show", "ada@example.com")["first_name"] == "Ada again"

        errors = crm.json("contacts", "import", path, "--on-duplicate", "error")
        assert errors["failed"] == 4
        assert sorted(e["line"] for e in errors["errors"]) == [2, 3, 4, 5]

    def test_map_and_tag_options(self, crm: Crm, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "in.csv", [["Work", "Org"], ["ada@example.com", "Acme"]])

        report = crm.json(
            "contacts", "import", path, "--map", "Work=email", "--map", "Org=custom.org",
            "--tag", "Fair 2025",
        )  # fmt: skip

        assert report["created"] == 1
        ada = crm.json("contacts", "show", "ada@example.com")
        assert ada["custom"] == {"org": "Acme"}
        assert ada["tags"] == ["fair 2025"]

    def test_errors_file_round_trip(self, crm: Crm, tmp_path: Path) -> None:
        errors = tmp_path / "errors.csv"
        crm.json("contacts", "import", write_csv(tmp_path / "leads.csv", LEADS),
                 "--errors", errors)  # fmt: skip
        with errors.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == [*LEADS[0], "_line", "_error"]
        assert rows[1][:4] == LEADS[2]
        assert rows[1][4] == "3"
        rows[1][0] = "fixed@example.com"
        with errors.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)

        again = crm.json("contacts", "import", errors)

        assert (again["created"], again["failed"]) == (1, 0)
        assert crm.json("contacts", "show", "fixed@example.com")["first_name"] == "Bad"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--map", "Email"], "COLUMN=FIELD"),
            (["--map", "Nope=email"], "does not have"),
            (["--encoding", "klingon"], "encoding"),
            (["--errors", "missing-dir/errors.csv"], "errors file"),
        ],
    )
    def test_bad_options_are_a_user_error(
        self, crm: Crm, tmp_path: Path, args: list[str], message: str
    ) -> None:
        path = write_csv(tmp_path / "leads.csv", LEADS)

        assert message in crm.fails("contacts", "import", path, *args, "--json")
        assert crm.json("contacts", "list")["items"] == []

    def test_a_file_without_an_email_column_is_a_user_error(self, crm: Crm, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "in.csv", [["Name"], ["Ada"]])

        assert "no email column" in crm.fails("contacts", "import", path)

    def test_a_missing_file_is_a_usage_error(self, crm: Crm, tmp_path: Path) -> None:
        crm.fails("contacts", "import", tmp_path / "nope.csv", code=2)

    def test_an_unknown_duplicate_policy_is_a_usage_error(self, crm: Crm, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "leads.csv", LEADS)

        message = crm.fails("contacts", "import", path, "--on-duplicate", "merge", code=2)

        # rich draws the message in a box, wrapped to the terminal's width.
        assert "is not one of 'skip', 'update', 'error'" in " ".join(
            message.replace("│", "").split()
        )
        assert crm.json("contacts", "list")["items"] == []


class TestExport:
    def test_exports_a_file_that_imports_into_an_empty_database(
        self, crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        add(crm, "ada@example.com", "--first-name", "Ada", "--company", "Acme",
            "--tag", "vip", "--field", "zip=02139")  # fmt: skip
        crm.json("contacts", "update", "ada@example.com", "--status", "customer")
        add(crm, "grace@example.com", "--last-name", "Hopper")
        out = tmp_path / "out.csv"

        assert crm.json("contacts", "export", out) == {"exported": 2}

        before = crm.json("contacts", "list")["items"]
        monkeypatch.setenv("CRM_DB_URL", f"surrealkv://{tmp_path / 'other.db'}")
        assert crm.json("contacts", "import", out)["created"] == 2
        after = crm.json("contacts", "list")["items"]
        kept = ("email", "first_name", "last_name", "company_name", "tags", "custom", "status")
        assert sorted([{k: c[k] for k in kept} for c in after], key=json.dumps) == sorted(
            [{k: c[k] for k in kept} for c in before], key=json.dumps
        )

    def test_an_unwritable_file_is_a_user_error(self, crm: Crm, tmp_path: Path) -> None:
        assert "cannot write" in crm.fails("contacts", "export", tmp_path / "no" / "out.csv")

    def test_formulas_are_neutralised_unless_raw(self, crm: Crm, tmp_path: Path) -> None:
        formula = '=HYPERLINK("http://evil.example","x")'
        add(crm, "ada@example.com", "--first-name", formula, "--field", "note=+1 555")
        safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"

        crm.json("contacts", "export", safe)
        crm.json("contacts", "export", raw, "--raw")

        [row] = list(csv.DictReader(safe.open(encoding="utf-8")))
        assert (row["first_name"], row["custom.note"]) == ("'" + formula, "'+1 555")
        [row] = list(csv.DictReader(raw.open(encoding="utf-8")))
        assert (row["first_name"], row["custom.note"]) == (formula, "+1 555")


@pytest.mark.parametrize(
    "args",
    [
        ["init"],
        ["contacts", "add", "--email", "new@example.com"],
        ["contacts", "show", "ada@example.com"],
        ["contacts", "update", "ada@example.com", "--title", "CTO"],
        ["contacts", "list"],
        ["contacts", "export", "out.csv"],
        ["contacts", "import", "in.csv"],
        ["contacts", "delete", "ada@example.com"],
        ["companies", "list"],
        ["companies", "show", "Acme"],
    ],
)
def test_every_command_prints_exactly_one_json_document(
    crm: Crm, tmp_path: Path, args: list[str]
) -> None:
    add(crm, "ada@example.com", "--company", "Acme")
    write_csv(tmp_path / "in.csv", [["Email"], ["x@example.com"]])

    result = crm(*args, "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # fails on anything before or after the document
    assert isinstance(document, dict)
