"""`crm contacts import`: streamed, batched, resumable by re-running, never losing a good row."""

from __future__ import annotations

import asyncio
import csv
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from crm.companies.models import name_key
from crm.companies.service import resolve_names
from crm.contacts import repository, service
from crm.contacts.csv_format import CsvSource, Row, map_header, restore
from crm.contacts.models import ContactCreate, with_search_key
from crm.db import Database, record
from crm.events import service as events
from crm.normalize import coerce_scalar, normalize_tags
from crm.wire import Encoded, encoded_ahead
from kernel.errors import ValidationFailed

BATCH_SIZE = 1000
# Batches written at once. The engine runs a statement on one core: two at once inserted 93,000
# contacts in 7-8 s instead of 12-16, on 1.8 of these 2 cores (issue 14).
WRITERS = 2
# What `surrogateescape` turns undecodable bytes into.
_UNDECODED = re.compile("[\udc80-\udcff]")
COMPANY_CACHE_SIZE = 100_000
# Emails remembered to skip a repeated row without asking the database (about 120 bytes each).
SEEN_EMAILS_SIZE = 250_000


class OnDuplicate(StrEnum):
    SKIP = "skip"
    UPDATE = "update"
    ERROR = "error"


@dataclass
class RowError:
    line: int
    reason: str
    values: list[str] = field(default_factory=list, repr=False)


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
            "errors": [{"line": e.line, "reason": e.reason} for e in self.errors],
        }


@dataclass
class ImportOptions:
    on_duplicate: OnDuplicate = OnDuplicate.SKIP
    tags: list[str] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    errors_file: Path | None = None
    # Errors kept in the report (all of them go to errors_file); keeps memory flat on huge files.
    max_reported_errors: int = 1000


@dataclass
class _Parsed:
    line: int
    values: list[str]
    data: ContactCreate
    # Its stored form, made while the write before it runs (its company's id comes with
    # `_Importer.prepare`).
    row: dict[str, Any]
    company_key: str | None


@dataclass
class _Batch:
    parsed: list[_Parsed]
    companies: dict[str, str]  # name key -> id, for its rows' companies
    rows: list[dict[str, Any]] | Encoded

    @property
    def email_keys(self) -> set[str]:
        return {p.row["email_key"] for p in self.parsed}


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


class _RowParser:
    def __init__(
        self,
        header: list[str],
        targets: list[str | None],
        options: ImportOptions,
        source_detail: str,
    ) -> None:
        self.width = len(header)
        self.targets = targets
        self.tags = normalize_tags(options.tags)
        self.source_detail = source_detail

    def parse(self, row: Row) -> _Parsed | RowError:
        if row.error:
            return RowError(row.line, row.error, row.values)
        if len(row.values) > self.width:
            return RowError(
                row.line,
                f"too many columns ({len(row.values)}; the header has {self.width})",
                row.values,
            )
        if "\x00" in "".join(row.values):
            # The database can't read back text holding NUL, so such a row never lands.
            return RowError(row.line, "a NUL byte in a cell", row.values)
        if _UNDECODED.search("".join(row.values)):
            return RowError(
                row.line,
                "bytes that are not valid text in the file's encoding (try --encoding latin-1)",
                row.values,
            )
        fields: dict[str, Any] = {"source": "import", "source_detail": self.source_detail}
        custom: dict[str, Any] = {}
        for target, cell in zip(self.targets, row.values, strict=False):
            value = restore(cell).strip()
            if target is None or not value:
                continue
            if target.startswith("custom."):
                custom[target[7:]] = coerce_scalar(value)
            elif target == "tags":
                fields["tags"] = [t for t in value.replace(";", ",").split(",")]
            elif target == "full_name":
                first, _, last = value.partition(" ")
                fields.setdefault("first_name", first)
                if last:
                    fields.setdefault("last_name", last)
            else:
                fields[target] = value
        fields["tags"] = fields.get("tags", []) + self.tags
        if custom:
            fields["custom"] = custom
        if "email" not in fields:
            return RowError(row.line, "no email", row.values)
        try:
            data = ContactCreate.model_validate(fields)
        except ValidationError as exc:
            return RowError(row.line, _describe(exc), row.values)
        company_key = name_key(data.company) if data.company else None
        return _Parsed(row.line, row.values, data, service.new_row(data), company_key)


def _update_fields(existing: dict[str, Any], data: ContactCreate) -> dict[str, Any]:
    """What an import row changes on an existing contact: only the cells it fills."""
    changes: dict[str, Any] = {}
    for name in ("first_name", "last_name", "phone", "title", "country", "city"):
        value = getattr(data, name)
        if value is not None and value != existing.get(name):
            changes[name] = value
    tags = normalize_tags([*existing.get("tags", []), *(data.tags or [])])
    if tags != existing.get("tags", []):
        changes["tags"] = tags
    if data.custom:
        custom = {**existing.get("custom", {}), **data.custom}
        if custom != existing.get("custom", {}):
            changes["custom"] = custom
    return changes


class _Importer:
    def __init__(
        self,
        db: Database,
        options: ImportOptions,
        report: ImportReport,
        error_sink: Callable[[RowError], None],
    ) -> None:
        self.db = db
        self.options = options
        self.report = report
        self.error_sink = error_sink
        self.company_ids: dict[str, str] = {}
        self.seen_emails: set[str] = set()

    def skips(self, item: _Parsed) -> bool:
        """Whether `item` is skipped here, as a repeat of an email an earlier row of this file
        had (with --on-duplicate skip). The database would skip it too, at the cost of a write:
        a row the unique index turns away costs the engine as much as one it inserts.
        """
        if self.options.on_duplicate is not OnDuplicate.SKIP:
            return False
        key = item.row["email_key"]
        if key in self.seen_emails:
            self.report.skipped += 1
            return True
        if len(self.seen_emails) >= SEEN_EMAILS_SIZE:
            self.seen_emails.clear()
        self.seen_emails.add(key)
        return False

    def fail(self, error: RowError) -> None:
        self.report.failed += 1
        if len(self.report.errors) < self.options.max_reported_errors:
            self.report.errors.append(error)
        self.error_sink(error)

    async def prepare(self, parsed: list[_Parsed]) -> _Batch:
        """`parsed` ready to write: its companies resolved (created where new) and its rows
        encoded ahead. Batches are prepared one at a time, in order: a company is created once.
        """
        known = await self._companies(
            {p.company_key: p.data.company for p in parsed if p.company_key and p.data.company}
        )
        companies = {p.company_key: known[p.company_key] for p in parsed if p.company_key}
        rows = [
            service.at_company(p.row, companies[p.company_key]) if p.company_key else p.row
            for p in parsed
        ]
        return _Batch(parsed, companies, encoded_ahead(rows))

    async def write(self, batch: _Batch) -> None:
        parsed = batch.parsed
        if not parsed:
            return
        if self.options.on_duplicate is OnDuplicate.SKIP:
            created = await repository.insert_new(self.db, batch.rows)
            self.report.created += created
            self.report.skipped += len(parsed) - created
            return
        # With update or error: one statement decides new vs. existing against the unique email
        # index, atomically: None for a created contact and the stored contact for a duplicate.
        befores = await repository.insert_or_get(self.db, batch.rows)
        first_line: dict[str, int] = {}
        updates: list[tuple[_Parsed, dict[str, Any]]] = []
        for item, before in zip(parsed, befores, strict=True):
            key = item.row["email_key"]
            if before is None:
                first_line[key] = item.line
                self.report.created += 1
            elif self.options.on_duplicate is OnDuplicate.UPDATE:
                updates.append((item, before))
            else:
                where = (
                    f"line {first_line[key]} of this file"
                    if key in first_line
                    else f"existing contact {before['id']}"
                )
                self.fail(
                    RowError(
                        item.line,
                        f"duplicate email {item.data.email} (same as {where})",
                        item.values,
                    )
                )
        if updates:
            await self._update(updates, batch.companies)

    async def _companies(self, wanted: dict[str, str]) -> dict[str, str]:
        """Company name key -> id for `wanted` (name key -> name); remembered across batches
        (files repeat companies a lot)."""
        missing = [n for k, n in wanted.items() if k not in self.company_ids]
        if missing and len(self.company_ids) + len(missing) > COMPANY_CACHE_SIZE:
            self.company_ids.clear()
            missing = list(wanted.values())
        if missing:
            self.company_ids |= await resolve_names(self.db, missing)
        return self.company_ids

    async def _update(
        self, items: list[tuple[_Parsed, dict[str, Any]]], companies: dict[str, str]
    ) -> None:
        merged: dict[str, dict[str, Any]] = {}
        befores: dict[str, dict[str, Any]] = {}
        for item, before in items:
            befores[before["id"]] = before
            state = {**before, **merged.get(before["id"], {})}
            changes = _update_fields(state, item.data)
            if item.company_key:
                company = companies[item.company_key]
                if company != state.get("company"):
                    changes["company"] = record("company", company)
            if changes:
                merged.setdefault(before["id"], {}).update(changes)
                self.report.updated += 1
            else:
                self.report.skipped += 1
        await repository.update_many(
            self.db, [(key, with_search_key(befores[key], ch)) for key, ch in merged.items()]
        )
        await events.add(
            self.db,
            [
                events.event(key, "updated", fields=sorted(ch), source="import")
                for key, ch in merged.items()
            ],
        )


class _Writes:
    """The batches being written: up to `WRITERS` at once, awaited in order. A batch sharing an
    email with one in flight waits for it, so the earlier row of the file is the one created
    and the later one updates it."""

    def __init__(self, importer: _Importer) -> None:
        self._importer = importer
        self._in_flight: deque[tuple[asyncio.Task[None], set[str]]] = deque()

    async def start(self, batch: _Batch) -> None:
        keys = batch.email_keys
        while self._in_flight and (
            len(self._in_flight) >= WRITERS
            or any(not keys.isdisjoint(other) for _, other in self._in_flight)
        ):
            await self._in_flight.popleft()[0]
        self._in_flight.append((asyncio.ensure_future(self._importer.write(batch)), keys))

    async def finish(self) -> None:
        while self._in_flight:
            await self._in_flight.popleft()[0]

    def cancel(self) -> None:
        for task, _ in self._in_flight:
            task.cancel()


def _batches(source: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(islice(source, size)):
        yield batch


async def import_csv(
    db: Database,
    path: Path,
    options: ImportOptions,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import contacts from a CSV file. `on_progress(bytes_read, total_bytes)` after each batch.

    Each batch is written in whole rows. Validating a batch overlaps with resolving the
    companies of the one before and with writing those before it, up to `WRITERS` at once (the
    database works on its own threads meanwhile).
    """
    source = CsvSource(path, options.encoding)
    report = ImportReport()
    rows = source.rows()
    first = next(rows, None)
    if first is None:
        return report
    targets = map_header(source.header, options.column_map)
    parser = _RowParser(source.header, targets, options, path.name)
    errors_out = _ErrorsFile(options.errors_file, source.header)
    importer = _Importer(db, options, report, errors_out.write)
    writes = _Writes(importer)
    preparing: asyncio.Task[_Batch] | None = None
    # The engine answers from its own thread, which needs the GIL to do so. Each look at the
    # writes lets go of the GIL for a moment; let go more often than the interpreter's switch
    # interval and the waiting thread never gets it (no answer until the batch was parsed: a
    # 1 ms query took 60). Looking a bit less often lets it in after one interval.
    pause = sys.getswitchinterval() * 1.2
    try:
        for batch in _batches(_chain(first, rows), BATCH_SIZE):
            parsed: list[_Parsed] = []
            look = time.monotonic() + pause
            for row in batch:
                if time.monotonic() >= look:
                    # A write in flight takes up its next step when the database answers,
                    # not after this batch.
                    await asyncio.sleep(0)
                    look = time.monotonic() + pause
                result = parser.parse(row)
                if isinstance(result, RowError):
                    importer.fail(result)
                elif not importer.skips(result):
                    parsed.append(result)
            report.read += len(batch)
            if preparing is not None:
                await writes.start(await preparing)
            # This batch's companies are resolved while the next one is parsed.
            preparing = asyncio.ensure_future(importer.prepare(parsed))
            await asyncio.sleep(0)  # let the queries reach the database before parsing on
            if on_progress:
                on_progress(source.bytes_read, source.size)
        if preparing is not None:
            await writes.start(await preparing)
            preparing = None
        await writes.finish()
    finally:
        if preparing is not None:
            preparing.cancel()
        writes.cancel()
        errors_out.close()
    if on_progress:
        on_progress(source.size, source.size)
    return report


def _chain(first: Row, rest: Iterator[Row]) -> Iterator[Row]:
    yield first
    yield from rest


class _ErrorsFile:
    """The failed rows, as they were plus `_line` and `_error`, ready to fix and re-import."""

    def __init__(self, path: Path | None, header: list[str]) -> None:
        self._width = len(header)
        try:
            self._handle = path.open("w", newline="", encoding="utf-8") if path else None
        except OSError as exc:
            raise ValidationFailed(f"cannot write the errors file {path}: {exc.strerror}") from None
        self._writer = csv.writer(self._handle) if self._handle else None
        if self._writer:
            self._writer.writerow([*header, "_line", "_error"])

    def write(self, error: RowError) -> None:
        if self._writer:
            # Short rows are padded so `_line` and `_error` stay in their columns; undecodable
            # bytes are written as latin-1 characters, the likeliest reading, so the file stays
            # valid UTF-8 and the row can be fixed.
            values = [_UNDECODED.sub(_as_latin1, v) for v in error.values]
            values += [""] * (self._width - len(values))
            self._writer.writerow([*values, error.line, error.reason])

    def close(self) -> None:
        if self._handle:
            self._handle.close()


def _as_latin1(match: re.Match[str]) -> str:
    return chr(ord(match[0]) - 0xDC00)
