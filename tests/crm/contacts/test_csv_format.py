"""Reading contact CSV files: header aliases, --map, encodings, delimiters, line numbers."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crm.contacts.csv_format import (
    CsvSource,
    detect_encoding,
    map_header,
    parse_map,
)
from factories import csv_text, write_csv
from kernel.errors import ValidationFailed

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def read(path: Path, encoding: str | None = None) -> list[tuple[int, list[str]]]:
    return [(row.line, row.values) for row in CsvSource(path, encoding).rows()]


class TestMapHeader:
    def test_common_header_names_map_to_contact_fields(self) -> None:
        header = [
            "E-mail",
            "First Name",
            "Last name",
            "Company",
            "Job Title",
            "Phone Number",
            "Country",
            "City",
            "Tags",
            "Lead Source",
            "Lifecycle Stage",
            "Full Name",
        ]

        assert map_header(header, {}) == [
            "email", "first_name", "last_name", "company", "title", "phone", "country", "city",
            "tags", "source", "status", "full_name",
        ]  # fmt: skip

    @pytest.mark.parametrize("email", ["Email", "EMAIL", " e-mail ", "Email Address", "mail"])
    def test_email_column_variants(self, email: str) -> None:
        assert map_header([email, "x"], {})[0] == "email"

    def test_other_columns_become_custom_fields_and_underscored_ones_are_ignored(self) -> None:
        header = ["Email", "Plan Type", "custom.Seats", "2024 Revenue", "_line", "_error", ""]

        assert map_header(header, {}) == [
            "email",
            "custom.plan_type",
            "custom.seats",
            "custom.f_2024_revenue",
            None,
            None,
            None,
        ]

    def test_map_overrides_aliases_and_can_ignore_a_column(self) -> None:
        header = ["Work Mail", "Company", "Notes"]
        overrides = parse_map(["Work Mail=email", "Company=custom.employer", "Notes=ignore"])

        assert map_header(header, overrides) == ["email", "custom.employer", None]

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"Nope": "email"}, "does not have"),
            ({"Name": "salary"}, "not a contact field"),
        ],
    )
    def test_bad_map_is_refused(self, overrides: dict[str, str], message: str) -> None:
        with pytest.raises(ValidationFailed, match=message):
            map_header(["Email", "Name"], overrides)

    def test_a_file_without_an_email_column_is_refused(self) -> None:
        with pytest.raises(ValidationFailed, match="no email column"):
            map_header(["Name", "Company"], {})

    @pytest.mark.parametrize("item", ["Email", "=email", ""])
    def test_map_items_need_column_and_field(self, item: str) -> None:
        if item.startswith("="):
            assert parse_map([item]) == {"": "email"}
            return
        with pytest.raises(ValidationFailed, match="COLUMN=FIELD"):
            parse_map([item])


class TestEncoding:
    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            (b"email\na@b.com\n", "utf-8"),
            ("email,name\na@b.com,Zoë\n".encode(), "utf-8"),
            (codecs.BOM_UTF8 + b"email\n", "utf-8-sig"),
            # Excel's "Unicode text" and many Windows tools write UTF-16 with a byte-order mark.
            (codecs.BOM_UTF16_LE + "email\n".encode("utf-16-le"), "utf-16"),
            (codecs.BOM_UTF16_BE + "email\n".encode("utf-16-be"), "utf-16"),
            (codecs.BOM_UTF32_LE + "email\n".encode("utf-32-le"), "utf-32"),
            # Without a mark, UTF-16 is told by the NUL in every other byte of ASCII text.
            ("email,name\na@b.com,Zoë\n".encode("utf-16-le"), "utf-16-le"),
            ("email,name\na@b.com,Zoë\n".encode("utf-16-be"), "utf-16-be"),
            ("email,name\na@b.com,Müller\n".encode("latin-1"), "latin-1"),
            # A sample that ends in the middle of a multi-byte character is still UTF-8.
            ("email,name\na@b.com,Zoë".encode()[:-1], "utf-8"),
        ],
    )
    def test_detected_from_the_bytes(self, data: bytes, expected: str) -> None:
        assert detect_encoding(data) == expected

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "utf-16"])
    def test_each_supported_encoding_reads_back_the_text(
        self, tmp_path: Path, encoding: str
    ) -> None:
        path = write_csv(
            tmp_path / "in.csv",
            [["Email", "Name"], ["zoe@example.com", "Zoë Müller"]],
            encoding=encoding,
        )

        source = CsvSource(path)
        assert [(r.line, r.values) for r in source.rows()] == [
            (2, ["zoe@example.com", "Zoë Müller"])
        ]
        assert source.header == ["Email", "Name"]

    @pytest.mark.parametrize("content", [b"", b"Email\n"])
    def test_an_unknown_encoding_is_refused_by_name(self, tmp_path: Path, content: bytes) -> None:
        path = tmp_path / "in.csv"
        path.write_bytes(content)

        with pytest.raises(ValidationFailed, match="unknown encoding 'klingon'"):
            CsvSource(path, "klingon")

    def test_an_explicit_encoding_wins(self, tmp_path: Path) -> None:
        path = tmp_path / "in.csv"
        path.write_bytes("Email,Name\nx@y.com,Ünal\n".encode("cp1252"))

        assert read(path, "cp1252") == [(2, ["x@y.com", "Ünal"])]


class TestDelimiters:
    @pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
    def test_sniffed(self, tmp_path: Path, delimiter: str) -> None:
        rows = [["Email", "First Name", "Tags"], ["a@b.com", "Ada", "x"], ["c@d.com", "Cy", "y"]]
        path = write_csv(tmp_path / "in.csv", rows, delimiter=delimiter)

        assert read(path) == [(2, rows[1]), (3, rows[2])]

    def test_semicolon_file_with_commas_in_cells(self, tmp_path: Path) -> None:
        rows = [
            ["Email", "Name", "Revenue"],
            ["a@b.com", "Lovelace, Ada", "1,5"],
            ["c@d.com", "Hopper, Grace", "2,75"],
        ]
        path = write_csv(tmp_path / "in.csv", rows, delimiter=";")

        assert [values for _, values in read(path)] == rows[1:]

    def test_comma_file_with_semicolons_in_cells(self, tmp_path: Path) -> None:
        rows = [
            ["Email", "Name", "Tags"],
            ["a@b.com", "Ada", "vip;news;beta"],
            ["c@d.com", "Grace", "vip;news"],
        ]
        path = write_csv(tmp_path / "in.csv", rows)

        assert [values for _, values in read(path)] == rows[1:]

    def test_a_single_column_file(self, tmp_path: Path) -> None:
        path = tmp_path / "in.csv"
        path.write_text("email\na@b.com\nc@d.com\n")

        assert read(path) == [(2, ["a@b.com"]), (3, ["c@d.com"])]


class TestLineNumbers:
    def test_physical_lines_with_multiline_cells_and_blank_lines(self, tmp_path: Path) -> None:
        path = tmp_path / "in.csv"
        path.write_text(
            "Email,Notes\r\n"
            'a@b.com,"two\r\nlines"\r\n'
            "\r\n"
            "c@d.com,plain\r\n"
            ",\r\n"
            'e@f.com,"three\nlines\nhere"\r\n'
            "g@h.com,last",
            newline="",
        )

        assert read(path) == [
            (2, ["a@b.com", "two\r\nlines"]),
            (5, ["c@d.com", "plain"]),
            (7, ["e@f.com", "three\nlines\nhere"]),
            (10, ["g@h.com", "last"]),
        ]

    def test_a_multiline_header_shifts_the_first_row(self, tmp_path: Path) -> None:
        path = tmp_path / "in.csv"
        path.write_text('"E-mail\naddress",Name\na@b.com,Ada\n', newline="")

        source = CsvSource(path)
        assert [(r.line, r.values) for r in source.rows()] == [(3, ["a@b.com", "Ada"])]
        assert source.header == ["E-mail\naddress", "Name"]

    def test_an_empty_file_is_a_clear_error(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.csv"
        path.write_bytes(b"")

        with pytest.raises(ValidationFailed, match="empty"):
            read(path)


# Any text a spreadsheet could hold in a cell and latin-1 can encode, including quotes, the
# other delimiters and line breaks inside cells.
cell = st.text(
    alphabet=st.characters(min_codepoint=1, max_codepoint=255, exclude_characters="\x00"),
    max_size=12,
)
header_cell = st.from_regex(r"\A[A-Za-z][A-Za-z0-9 _]{0,10}\Z")


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    width = draw(st.integers(min_value=1, max_value=5))
    header = draw(st.lists(header_cell, min_size=width, max_size=width))
    body = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=8))
    return [header, *body]


def expected_rows(table: list[list[str]], delimiter: str) -> list[tuple[int, list[str]]]:
    """(physical line, cells) of each non-blank row, as csv.writer lays them out."""
    rows = []
    line = 1 + len(LINE_BREAK.findall(csv_text([table[0]], delimiter=delimiter)))
    for values in table[1:]:
        if any(v.strip() for v in values):
            rows.append((line, values))
        line += len(LINE_BREAK.findall(csv_text([values], delimiter=delimiter)))
    return rows


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class TestReadBackProperty:
    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    )
    @given(
        table=tables(),
        delimiter=st.sampled_from([",", ";", "\t", "|"]),
        encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]),
    )
    def test_any_table_reads_back_with_its_line_numbers(
        self, tmp_path: Path, table: list[list[str]], delimiter: str, encoding: str
    ) -> None:
        # One column is only unambiguous with commas: csv.writer quotes the cells then.
        assume(len(table[0]) > 1 or delimiter == ",")
        data = csv_text(table, delimiter=delimiter).encode(encoding)
        # Latin-1 bytes that also happen to be valid UTF-8 are read as UTF-8: by design.
        assume(encoding != "latin-1" or not is_utf8(data) or data.isascii())
        path = tmp_path / "table.csv"
        path.write_bytes(data)

        source = CsvSource(path)
        assert [(r.line, r.values) for r in source.rows()] == expected_rows(table, delimiter)
        assert source.header == table[0]
