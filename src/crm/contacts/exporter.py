"""`crm contacts export`: every contact (or a segment's) to CSV, in pages, importable again.

Cells a spreadsheet would run as formulas (`=HYPERLINK(…)` typed into a public form) get a
leading single quote unless `raw`; the importer takes it off again."""

from __future__ import annotations

import csv
from pathlib import Path

from crm.contacts import repository
from crm.contacts.csv_format import neutralise
from crm.contacts.repository import ContactFilter
from crm.db import Database
from kernel.errors import ValidationFailed

COLUMNS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "title",
    "company",
    "country",
    "city",
    "tags",
    "source",
    "status",
]
PAGE = 1000


async def export_csv(
    db: Database, path: Path, flt: ContactFilter | None = None, *, raw: bool = False
) -> int:
    flt = flt or ContactFilter()
    custom = await repository.custom_keys(db)
    exported = 0
    try:
        handle = path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed(f"cannot write {path}: {exc.strerror}") from None
    with handle:
        writer = csv.writer(handle)
        cell = _cell if raw else _safe_cell
        writer.writerow(COLUMNS + [f"custom.{key}" for key in custom])
        after: str | None = None
        while True:
            rows = await repository.page(db, flt, after=after, limit=PAGE)
            for row in rows:
                values = {
                    **row,
                    "company": row.get("company_name"),
                    "tags": ";".join(row.get("tags", [])),
                }
                writer.writerow(
                    [cell(values.get(c)) for c in COLUMNS]
                    + [cell(row.get("custom", {}).get(k)) for k in custom]
                )
            exported += len(rows)
            if len(rows) < PAGE:
                return exported
            after = rows[-1]["id"]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _safe_cell(value: object) -> str:
    return neutralise(_cell(value))
