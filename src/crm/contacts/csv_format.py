"""Reading and writing contact CSV files: encodings, delimiters, header aliases, streaming."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kernel.errors import ValidationFailed

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
# Columns whose name starts with "_" are ignored, so a file written by `--errors` (which adds
# `_line` and `_error`) can be fixed and imported again as it is.
IGNORED_PREFIX = "_"

FIELDS = (
    "email",
    "first_name",
    "last_name",
    "full_name",
    "phone",
    "title",
    "company",
    "country",
    "city",
    "tags",
    "source",
    "status",
)
_ALIASES = {
    "email": ["email", "e-mail", "emailaddress", "mail", "e-mailaddress", "emailid"],
    "first_name": ["firstname", "first", "givenname", "forename", "vorname", "prenom"],
    "last_name": ["lastname", "last", "surname", "familyname", "nachname", "nom"],
    "full_name": ["name", "fullname", "contactname", "contact"],
    "phone": ["phone", "phonenumber", "mobile", "mobilephone", "tel", "telephone", "cell"],
    "title": ["title", "jobtitle", "position", "role", "jobrole"],
    "company": ["company", "companyname", "organization", "organisation", "account", "employer"],
    "country": ["country", "countrycode", "land"],
    "city": ["city", "town", "location"],
    "tags": ["tags", "tag", "labels", "label", "lists"],
    "source": ["source", "leadsource"],
    "status": ["status", "lifecyclestage", "stage"],
}
# A cell a spreadsheet would run as a formula (OWASP's CSV injection list). Exports put a single
# quote before it and imports take that quote off again, so an export imports back as it was.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ALIAS_TO_FIELD = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _squash(header: str) -> str:
    return _NOT_ALNUM.sub("", header.lower())


def neutralise(cell: str) -> str:
    return "'" + cell if _FORMULA.match(cell) else cell


def restore(cell: str) -> str:
    """`neutralise` undone: a quote before what would be a formula is taken off."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell, 1) else cell


def custom_key(header: str) -> str:
    key = _NOT_ALNUM.sub("_", header.strip().lower()).strip("_")
    return key if key and key[0].isalpha() else f"f_{key}"


def map_header(header: list[str], overrides: dict[str, str]) -> list[str | None]:
    """Target field for each column: a contact field, `custom.<key>`, or None (ignored)."""
    targets: list[str | None] = []
    for column in header:
        name = column.strip()
        if name in overrides:
            target = overrides[name]
            targets.append(None if target in ("", "ignore") else target)
        elif not name or name.startswith(IGNORED_PREFIX):
            targets.append(None)
        elif name.lower().startswith("custom."):
            targets.append("custom." + custom_key(name[7:]))
        else:
            targets.append(_ALIAS_TO_FIELD.get(_squash(name), "custom." + custom_key(name)))
    for override in overrides:
        if override not in (c.strip() for c in header):
            raise ValidationFailed(f"--map names a column the file does not have: {override!r}")
    valid = set(FIELDS)
    for chosen in targets:
        if chosen and chosen not in valid and not chosen.startswith("custom."):
            raise ValidationFailed(
                f"--map target {chosen!r} is not a contact field; use one of "
                + ", ".join(FIELDS)
                + ", custom.<name> or ignore"
            )
    if "email" not in targets:
        raise ValidationFailed(
            "the file has no email column (looked for: "
            + ", ".join(_ALIASES["email"][:3])
            + "); name one with --map COLUMN=email"
        )
    return targets


def parse_map(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        column, sep, field = item.partition("=")
        if not sep:
            raise ValidationFailed(f"--map takes COLUMN=FIELD, got {item!r}")
        mapping[column.strip()] = field.strip()
    return mapping


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read, for a progress bar over a stream."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.bytes_read += n
        return n


# Spreadsheet programs write these byte-order marks ("Unicode text" exports are UTF-16).
# UTF-32's marks come first: UTF-32-LE's starts with UTF-16-LE's.
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text that is mostly ASCII has a NUL in every other byte: odd ones for LE."""
    half = len(sample) // 2
    if half < 2:
        return None
    if sample[1::2].count(0) > half * 0.9 and sample[0::2].count(0) == 0:
        return "utf-16-le"
    if sample[0::2].count(0) > half * 0.9 and sample[1::2].count(0) == 0:
        return "utf-16-be"
    return None


def detect_encoding(sample: bytes) -> str:
    for bom, encoding in BOMS:
        if sample.startswith(bom):
            return encoding
    if utf16 := _utf16_without_bom(sample):
        return utf16
    try:
        # A multi-byte character cut at the sample's end is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _records(text: str, delimiter: str) -> list[list[str]]:
    records: list[list[str]] = []
    # A sample cut inside a quoted cell ends in an error: judge by the records before it.
    with contextlib.suppress(csv.Error):
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            records.append(record)
    return records


def sniff_delimiter(text: str, *, complete: bool = True) -> str:
    """The delimiter that splits the header into columns and the rows below into as many.

    Judged by the header first: data cells often hold the other delimiters ("Lovelace, Ada",
    "1,5", "vip;news"), which fools `csv.Sniffer`, while header names rarely do. `complete` is
    False when `text` is only the start of the file (its last record may be cut).
    """
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        records = _records(text, delimiter)
        if not complete:
            records = records[:-1] or records[:1]
        if not records:
            continue
        width = len(records[0])
        rows = [r for r in records[1:] if any(v.strip() for v in r)]
        consistent = sum(len(r) == width for r in rows) / len(rows) if rows else 1.0
        score = (width > 1, consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best if best_score[0] else ","


@dataclass
class Row:
    line: int
    values: list[str]
    # Why the record could not be read as CSV (e.g. a cell over the size limit), if it couldn't.
    error: str | None = None


class CsvSource:
    """Rows of a CSV file, streamed: constant memory whatever the size."""

    def __init__(self, path: Path, encoding: str | None = None) -> None:
        self.path = path
        self.size = path.stat().st_size
        with path.open("rb") as probe:
            sample = probe.read(SNIFF_BYTES)
        self.encoding = encoding or detect_encoding(sample)
        try:
            # Looked up by name: decoding an empty sample would not notice a bad one.
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValidationFailed(f"unknown encoding {self.encoding!r}") from None
        text = sample.decode(self.encoding, errors="replace")
        self.delimiter = sniff_delimiter(text, complete=len(sample) < SNIFF_BYTES)
        self._counter: CountingReader | None = None
        self.header: list[str] = []

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read if self._counter else 0

    def rows(self) -> Iterator[Row]:
        with self.path.open("rb") as raw:
            self._counter = CountingReader(raw)
            buffered = io.BufferedReader(self._counter, buffer_size=256 * 1024)
            # Undecodable bytes become lone surrogates, so one bad row is reported, not fatal.
            text = io.TextIOWrapper(
                buffered, encoding=self.encoding, errors="surrogateescape", newline=""
            )
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                self.header = next(reader)
            except StopIteration:
                raise ValidationFailed(f"{self.path} is empty") from None
            except csv.Error as exc:
                raise ValidationFailed(f"cannot read the header of {self.path}: {exc}") from None
            line = reader.line_num
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    # The reader carries on with the next record; this one becomes a bad row.
                    start, line = line + 1, reader.line_num
                    yield Row(start, [], error=f"unreadable row: {exc}")
                    continue
                start, line = line + 1, reader.line_num
                if values and any(v.strip() for v in values):
                    yield Row(start, values)
