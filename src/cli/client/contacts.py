"""Contacts, on the database or through the API."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cli.client.http import Api, seg
from cli.output import fail
from crm.companies import service as companies
from crm.contacts import service
from crm.contacts.models import Contact, ContactCreate, ContactUpdate, Page, TimelineEvent
from crm.contacts.repository import ContactFilter
from crm.db import Database
from crm.normalize import normalize_tags

if TYPE_CHECKING:
    from crm.contacts.importer import ImportOptions, ImportReport

# CSV import and export and a contact's activity are imported by the methods that use them:
# listing contacts never needs them.

REPORT_FIELDS = ("read", "created", "updated", "skipped", "failed")


class Contacts(Protocol):
    async def add(self, data: ContactCreate) -> Contact: ...

    async def history(self, ref: str) -> tuple[Contact, list[TimelineEvent]]: ...

    async def update(
        self, ref: str, data: ContactUpdate, *, tag: list[str], untag: list[str]
    ) -> Contact:
        """`tag` and `untag` change the contact's current tags."""

    async def delete(self, ref: str) -> str:
        """The deleted contact's id."""

    async def list_page(
        self,
        *,
        segment: str | None,
        tag: str | None,
        status: str | None,
        company: str | None,
        search: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page:
        """`company` is an id, domain or name."""

    async def import_csv(
        self, file: Path, options: ImportOptions, progress: AbstractContextManager[Any]
    ) -> ImportReport:
        """`progress` is entered around a local import; it yields the byte callback."""

    async def export(self, file: Path, segment: str | None, *, raw: bool) -> int:
        """How many contacts went to `file`; `raw`: formula-like cells not neutralised."""


async def _filter(
    db: Database,
    segment: str | None,
    *,
    tag: str | None = None,
    status: str | None = None,
    company: str | None = None,
    text: str | None = None,
) -> ContactFilter:
    if segment is None:
        return ContactFilter(tag=tag, status=status, company=company, text=text)
    # Imported here: only a command given --segment needs the segment rules.
    from crm.segments.service import contact_filter

    return await contact_filter(db, segment, tag=tag, status=status, company=company, text=text)


def _retag(data: ContactUpdate, current: list[str], tag: list[str], untag: list[str]) -> None:
    if tag or untag:
        removed = set(normalize_tags(untag))
        data.tags = [t for t in normalize_tags([*current, *tag]) if t not in removed]


@dataclass
class LocalContacts:
    db: Database

    async def add(self, data: ContactCreate) -> Contact:
        return await service.add(self.db, data)

    async def history(self, ref: str) -> tuple[Contact, list[TimelineEvent]]:
        from insights import activity

        return await activity.history(self.db, ref)

    async def update(
        self, ref: str, data: ContactUpdate, *, tag: list[str], untag: list[str]
    ) -> Contact:
        if tag or untag:
            _retag(data, (await service.require(self.db, ref)).tags, tag, untag)
        return await service.update(self.db, ref, data)

    async def delete(self, ref: str) -> str:
        contact = await service.require(self.db, ref)
        await service.delete(self.db, contact.id)
        return contact.id

    async def list_page(
        self,
        *,
        segment: str | None,
        tag: str | None,
        status: str | None,
        company: str | None,
        search: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page:
        company_id = (await companies.require(self.db, company)).id if company else None
        flt = await _filter(
            self.db, segment, tag=tag, status=status, company=company_id, text=search
        )
        return await service.list_page(self.db, flt, cursor=cursor, limit=limit)

    async def import_csv(
        self, file: Path, options: ImportOptions, progress: AbstractContextManager[Any]
    ) -> ImportReport:
        from crm.contacts.importer import import_csv

        with progress as advance:
            return await import_csv(self.db, file, options, advance)

    async def export(self, file: Path, segment: str | None, *, raw: bool) -> int:
        from crm.contacts.exporter import export_csv

        return await export_csv(self.db, file, await _filter(self.db, segment), raw=raw)


@dataclass
class RemoteContacts:
    api: Api

    async def add(self, data: ContactCreate) -> Contact:
        body = data.model_dump(mode="json", exclude_unset=True)
        return Contact.model_validate(await self.api.post("contacts", body))

    async def history(self, ref: str) -> tuple[Contact, list[TimelineEvent]]:
        found = await self.api.get(f"contacts/{seg(ref)}/timeline")
        events = [TimelineEvent.model_validate(e) for e in found["items"]]
        return Contact.model_validate(found["contact"]), events

    async def update(
        self, ref: str, data: ContactUpdate, *, tag: list[str], untag: list[str]
    ) -> Contact:
        if tag or untag:
            _retag(data, (await self.api.get(f"contacts/{seg(ref)}"))["tags"], tag, untag)
        changes = data.model_dump(mode="json", exclude_unset=True)
        return Contact.model_validate(await self.api.patch(f"contacts/{seg(ref)}", changes))

    async def delete(self, ref: str) -> str:
        return await self.api.delete("contacts", ref)

    async def list_page(
        self,
        *,
        segment: str | None,
        tag: str | None,
        status: str | None,
        company: str | None,
        search: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page:
        company_id = None
        if company:
            company_id = (await self.api.get(f"companies/{seg(company)}"))["id"]
        found = await self.api.get(
            "contacts",
            segment=segment,
            tag=tag,
            status=status,
            company=company_id,
            q=search,
            limit=limit,
            cursor=cursor,
        )
        return Page.model_validate(found)

    async def import_csv(
        self, file: Path, options: ImportOptions, progress: AbstractContextManager[Any]
    ) -> ImportReport:
        from crm.contacts.importer import ImportReport, RowError

        if options.errors_file is not None:
            raise fail(
                "--errors needs the database on this machine: through the API the report "
                "lists the failed lines (--json), fix those rows and import them again"
            )
        found = await self.api.upload(
            "contacts/import",
            file,
            on_duplicate=options.on_duplicate.value,
            tag=options.tags or None,
            map=[f"{column}={field}" for column, field in options.column_map.items()] or None,
            encoding=options.encoding,
        )
        return ImportReport(
            **{k: found[k] for k in REPORT_FIELDS},
            errors=[RowError(line=e["line"], reason=e["reason"]) for e in found["errors"]],
        )

    async def export(self, file: Path, segment: str | None, *, raw: bool) -> int:
        headers = await self.api.download(
            "contacts/export", file, segment=segment, raw="true" if raw else None
        )
        return int(headers["X-Exported"])
