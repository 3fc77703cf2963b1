"""`crm companies …` through the CLI contract."""

from __future__ import annotations

import pytest

from crm_cli import Crm


def add(crm: Crm, name: str, *extra: str) -> dict[str, object]:
    company: dict[str, object] = crm.json("companies", "add", "--name", name, *extra)
    return company


class TestCompanies:
    def test_add_show_update_list(self, crm: Crm) -> None:
        acme = add(crm, "Acme", "--domain", "https://www.Acme.com/", "--size", "40",
                   "--field", "tier=gold")  # fmt: skip
        assert isinstance(acme["id"], str)
        assert acme["domain"] == "acme.com"
        assert acme["custom"] == {"tier": "gold"}

        updated = crm.json("companies", "update", "acme.com", "--industry", "Software",
                           "--field", "region=eu")  # fmt: skip
        assert updated["industry"] == "Software"
        assert updated["custom"] == {"tier": "gold", "region": "eu"}

        shown = crm.json("companies", "show", "ACME")
        assert shown["id"] == acme["id"]
        assert shown["contacts"] == []

        listed = crm.json("companies", "list")
        assert [c["id"] for c in listed["items"]] == [acme["id"]]
        assert listed["next_cursor"] is None

    def test_show_lists_the_companys_contacts(self, crm: Crm) -> None:
        add(crm, "Acme")
        crm.json("contacts", "add", "--email", "ada@acme.com", "--company", "acme")
        crm.json("contacts", "add", "--email", "x@other.com", "--company", "Other")

        shown = crm.json("companies", "show", "Acme")

        assert [c["email"] for c in shown["contacts"]] == ["ada@acme.com"]

    def test_a_taken_domain_is_a_clear_conflict(self, crm: Crm) -> None:
        add(crm, "Acme", "--domain", "acme.com")

        assert "acme.com" in crm.fails("companies", "add", "--name", "Copy", "--domain", "ACME.com")
        assert len(crm.json("companies", "list")["items"]) == 1

    def test_delete_unlinks_its_contacts(self, crm: Crm) -> None:
        acme = add(crm, "Acme")
        ada = crm.json("contacts", "add", "--email", "ada@acme.com", "--company", "Acme")

        assert crm.json("companies", "delete", "Acme") == {"deleted": acme["id"]}

        kept = crm.json("contacts", "show", str(ada["id"]))
        assert kept["company"] is None
        assert kept["company_name"] is None
        crm.fails("companies", "show", "Acme")

    def test_list_pages_with_a_cursor(self, crm: Crm) -> None:
        ids = sorted(str(add(crm, f"Company {n}")["id"]) for n in range(5))
        seen: list[str] = []
        cursor = None
        while True:
            page = crm.json("companies", "list", "--limit", "2",
                            *(["--cursor", cursor] if cursor else []))  # fmt: skip
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break

        assert sorted(seen) == ids

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["add", "--name", "X", "--field", "Bad-Key=1"], "bad custom field name"),
            (["add", "--name", "X", "--domain", "not a domain"], "domain"),
            (["add", "--name", "X", "--size", "0"], "size"),
            (["add", "--name", "  "], "name"),
            (["update", "Nowhere", "--industry", "X"], "no company"),
            (["delete", "Nowhere"], "no company"),
            (["show", "Nowhere"], "no company"),
            (["list", "--cursor", "`; DELETE company; --"], "invalid cursor"),
        ],
    )
    def test_user_errors_are_one_red_line(self, crm: Crm, args: list[str], message: str) -> None:
        assert message in crm.fails("companies", *args, "--json")

    def test_a_blank_new_name_is_refused(self, crm: Crm) -> None:
        add(crm, "Acme")

        assert "name" in crm.fails("companies", "update", "Acme", "--name", "  ")
        assert crm.json("companies", "show", "Acme")["name"] == "Acme"

    @pytest.mark.parametrize("args", [["add"], ["add", "--name", "X", "--size", "many"], []])
    def test_usage_errors_exit_2(self, crm: Crm, args: list[str]) -> None:
        result = crm("companies", *args)

        assert result.exit_code == 2
