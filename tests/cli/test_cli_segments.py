"""`crm segments …` and `crm enrich` through the CLI contract."""

from __future__ import annotations

from crm_cli import Crm


def seed(crm: Crm) -> None:
    crm.json(
        "contacts",
        "add",
        "--email",
        "ada.lovelace@acme.com",
        "--country",
        "Germany",
        "--tag",
        "vip",
    )
    crm.json("contacts", "add", "--email", "b@x.com", "--country", "AT")
    crm.json("segments", "create", "DACH", "--rule", 'country in ["DE", "AT"]')


class TestSegments:
    def test_count_and_preview_shapes(self, crm: Crm) -> None:
        seed(crm)
        assert crm.json("segments", "count", "DACH") == {"count": 1}  # "Germany" is not DE yet
        crm.json("enrich")
        assert crm.json("segments", "count", "dach") == {"count": 2}
        preview = crm.json("segments", "preview", "DACH", "--limit", "1")
        assert preview["count"] == 2 and len(preview["items"]) == 1
        assert crm.json("segments", "count", "--rule", 'tags contains "vip"') == {"count": 1}

    def test_counts_read_as_english(self, crm: Crm) -> None:
        seed(crm)
        assert crm("segments", "count", "DACH").stdout == "1 contact\n"
        assert crm("segments", "count", "--rule", "email exists").stdout == "2 contacts\n"

    def test_list_show_update_delete(self, crm: Crm) -> None:
        seed(crm)
        crm.json("segments", "update", "DACH", "--rule", 'country = "AT"', "--description", "x")
        assert [s["name"] for s in crm.json("segments", "list")["items"]] == ["DACH"]
        assert crm.json("segments", "show", "DACH")["rule"] == 'country = "AT"'
        crm.json("segments", "delete", "DACH")
        assert crm.json("segments", "list")["items"] == []

    def test_a_bad_rule_is_one_line_with_the_column(self, crm: Crm) -> None:
        error = crm.fails("segments", "create", "x", "--rule", 'cuntry = "DE"')
        assert "unknown field 'cuntry' at column 1, did you mean 'country'?" in error

    def test_name_or_rule_is_required(self, crm: Crm) -> None:
        assert "--rule" in crm.fails("segments", "count")

    def test_snapshot(self, crm: Crm) -> None:
        seed(crm)
        snapshot = crm.json("segments", "snapshot", "DACH")
        assert snapshot["count"] == 1 and isinstance(snapshot["id"], str)


class TestEnrich:
    def test_reports_and_reruns(self, crm: Crm) -> None:
        seed(crm)
        first = crm.json("enrich")
        assert first["processed"] == 2 and first["fields"]["country"] == 1
        again = crm.json("enrich", "--segment", "DACH")
        assert again["changed"] == 0

    def test_unknown_fields(self, crm: Crm) -> None:
        assert "cannot enrich 'senority'" in crm.fails("enrich", "--only", "senority")
