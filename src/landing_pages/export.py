"""A landing page's form submissions as CSV, newest first: one column per form field (the
page's fields first, then any other answer a submission carried). Cells a spreadsheet would run
as formulas get a leading single quote, as in `crm contacts export`."""

from __future__ import annotations

import csv
import io

from crm.contacts.csv_format import neutralise
from crm.db import Database
from landing_pages import service
from landing_pages.models import StoredSubmission

PAGE = 1000
FIXED = ["at", "email", "contact", "consent", "created", "utm"]


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise("" if value is None else str(value))


async def submissions_csv(db: Database, ref: str) -> str:
    page = await service.require(db, ref)
    found: list[StoredSubmission] = []
    cursor: str | None = None
    while True:
        batch = await service.submissions(db, page.id, cursor=cursor, limit=PAGE)
        found.extend(batch.items)
        if batch.next_cursor is None:
            break
        cursor = batch.next_cursor
    fields = [f.name for f in page.spec.form_fields]
    fields += sorted({k for s in found for k in s.answers} - set(fields))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIXED + fields)
    for s in found:
        utm = " ".join(f"{k}={v}" for k, v in sorted(s.utm.items()))
        fixed = [s.at.isoformat(), s.email, s.contact, s.consent, s.created, utm]
        writer.writerow([_cell(v) for v in fixed + [s.answers.get(f) for f in fields]])
    return out.getvalue()
