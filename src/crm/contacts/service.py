"""Contact rules: validation, dedupe by email, upserts, the status state machine, the timeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from crm.companies.models import name_key
from crm.companies.service import resolve_names
from crm.contacts import provenance, repository
from crm.contacts.models import (
    Contact,
    ContactCreate,
    ContactUpdate,
    Page,
    Status,
    TimelineEvent,
    check_transition,
    search_key,
    with_search_key,
)
from crm.contacts.repository import ContactFilter
from crm.db import Database, record
from crm.events import service as events
from crm.normalize import email_key, normalize_phone
from crm.paging import check_limit, decode_cursor, encode_cursor
from kernel.errors import Conflict, NotFound

TIMELINE_LIMIT = 200
# Reads timeline entries kept elsewhere for a contact key, at most the given number.
MoreEntries = Callable[[str, int], Awaitable[list[dict[str, Any]]]]


def new_row(data: ContactCreate, company_id: str | None = None) -> dict[str, Any]:
    """The stored form of a new contact, the defaults the table once gave included (schema
    0025); its company's id, when not known yet, is added later with `at_company`. What equals
    another field is left out (issue 14, bytes per contact): `consent_source` (the source) and
    `updated_at` (the creation time) read as that field until they differ (`Contact`)."""
    row = {"tags": [], "custom": {}, **data.model_dump(exclude_none=True, exclude={"company"})}
    row["email_key"] = email_key(data.email)
    row["search_key"] = search_key(row)
    row["created_at"] = datetime.now(UTC)
    if data.consent:
        row |= {"consent_explicit": True, "consent_at": data.consent.at}
    return at_company(row, company_id) if company_id else row


def at_company(row: dict[str, Any], company_id: str) -> dict[str, Any]:
    return {**row, "company": record("company", company_id)}


async def add(db: Database, data: ContactCreate) -> Contact:
    existing = await repository.get_by_email_key(db, email_key(data.email))
    if existing:
        raise Conflict(
            f"a contact with email {data.email} already exists (id {existing['id']})",
            details={"id": existing["id"]},
        )
    company_id = (
        (await resolve_names(db, [data.company]))[name_key(data.company)] if data.company else None
    )
    return Contact.model_validate(await repository.create(db, new_row(data, company_id)))


async def get(db: Database, ref: str) -> Contact | None:
    """By id or by email."""
    row = (
        await repository.get_by_email_key(db, email_key(ref.strip()))
        if "@" in ref
        else await repository.get(db, ref.strip())
    )
    return Contact.model_validate(row) if row else None


async def require(db: Database, ref: str) -> Contact:
    contact = await get(db, ref)
    if contact is None:
        raise NotFound(f"no contact {ref!r}")
    return contact


def changed_fields(contact: Contact, data: ContactUpdate) -> dict[str, Any]:
    """The fields `data` really changes (custom fields merged, tags replaced)."""
    changes: dict[str, Any] = {}
    for field, value in data.model_dump(exclude_unset=True, exclude={"company"}).items():
        if field == "custom" and value is not None:
            value = {**contact.custom, **value}
        if field == "phone" and value and data.country is None:
            # Without a new country in the update, the stored one is the hint.
            value = normalize_phone(value, contact.country)
        if field == "email" and value is not None:
            changes["email_key"] = email_key(value)
        if getattr(contact, field) != value:
            changes[field] = value
    if changes.get("email_key") == email_key(contact.email):
        del changes["email_key"]
    return changes


async def update(db: Database, ref: str, data: ContactUpdate) -> Contact:
    contact = await require(db, ref)
    if data.status is not None:
        check_transition(contact.status, data.status)
    changes = changed_fields(contact, data)
    if "email_key" in changes:
        other = await repository.get_by_email_key(db, changes["email_key"])
        if other and other["id"] != contact.id:
            raise Conflict(f"another contact already has email {data.email} (id {other['id']})")
    if data.company is not None and data.company != contact.company_name:
        company_id = (await resolve_names(db, [data.company]))[name_key(data.company)]
        changes["company"] = record("company", company_id)
    elif "company" in data.model_fields_set and data.company is None and contact.company:
        changes["company"] = None
    if not changes:
        return contact
    updated = await repository.update(db, contact.id, with_search_key(vars(contact), changes))
    # email_key is internal: the user changed the email.
    added = [events.event(contact.id, "updated", fields=sorted(changes.keys() - {"email_key"}))]
    if "status" in changes:
        added.append(
            events.event(
                contact.id, "status_changed", **{"from": contact.status, "to": changes["status"]}
            )
        )
    await events.add(db, added)
    return Contact.model_validate(updated)


async def set_status(db: Database, ref: str, status: Status) -> Contact:
    return await update(db, ref, ContactUpdate(status=status))


async def delete(db: Database, ref: str) -> None:
    contact = await require(db, ref)
    await repository.delete(db, contact.id)


async def list_page(
    db: Database, flt: ContactFilter, *, cursor: str | None = None, limit: int = 50
) -> Page:
    rows = await repository.page(db, flt, after=decode_cursor(cursor), limit=check_limit(limit) + 1)
    items = [Contact.model_validate(r) for r in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


async def first_and_count(
    db: Database, flt: ContactFilter, *, limit: int
) -> tuple[list[Contact], int]:
    """The first `limit` matching contacts (in id order) and how many match in all."""
    rows, count = await repository.first_and_count(db, flt, limit=check_limit(limit))
    return [Contact.model_validate(r) for r in rows], count


async def timeline(
    db: Database, contact_key: str, *, more: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Newest first: the contact's stored events, the enrichment runs that changed it (read from
    its provenance) and `more`, entries read from records other packages keep."""
    found = await events.for_contact(db, contact_key, limit=TIMELINE_LIMIT)
    found += provenance.events(await repository.enrichment_log(db, contact_key))
    found += more or []
    found.sort(key=lambda e: e["at"], reverse=True)
    return found[:TIMELINE_LIMIT]


async def history(
    db: Database, ref: str, *, more: MoreEntries | None = None
) -> tuple[Contact, list[TimelineEvent]]:
    """The contact and its timeline, newest first (with the entries `more` reads for the contact's
    key); creation, last, comes from the record itself."""
    contact = await require(db, ref)
    extra = await more(contact.id, TIMELINE_LIMIT) if more else None
    found = [TimelineEvent.model_validate(e) for e in await timeline(db, contact.id, more=extra)]
    created = {"source": contact.source} | (
        {"detail": contact.source_detail} if contact.source_detail else {}
    )
    kind = "imported" if contact.source == "import" else "created"
    found.append(TimelineEvent(kind=kind, at=contact.created_at, data=created))
    return contact, found


async def upsert_from_form(db: Database, data: ContactCreate) -> tuple[str, bool]:
    """A form's contact: created, or the existing one filled in (`form_changes`).
    Returns the contact id and whether it was created."""
    company_ids = await resolve_names(db, [data.company]) if data.company else {}
    company_id = company_ids[name_key(data.company)] if data.company else None
    before = (await repository.insert_or_get(db, [new_row(data, company_id)]))[0]
    if before is None:
        stored = await repository.get_by_email_key(db, email_key(data.email))
        if stored is None:  # pragma: no cover - deleted in between
            raise Conflict("the contact was deleted while the form was being saved")
        return str(stored["id"]), True
    if changes := form_changes(before, data, company_id):
        await repository.update(db, str(before["id"]), with_search_key(before, changes))
    return str(before["id"]), False


def form_changes(
    before: dict[str, Any], data: ContactCreate, company_id: str | None
) -> dict[str, Any]:
    """What a form may change on an existing contact: empty fields, consent, the funnel step.

    Values someone already set are kept: a visitor's typo never overwrites a curated record.
    """
    changes: dict[str, Any] = {}
    for field in ("first_name", "last_name", "phone", "title", "country", "city"):
        value = getattr(data, field)
        if value and not before.get(field):
            changes[field] = value
    if company_id and not before.get("company"):
        changes["company"] = record("company", company_id)
    status = before.get("status")
    if data.consent:
        # The latest box ticked is the record kept (its text may have changed since).
        changes |= {
            "consent_explicit": True,
            "consent_source": "form",
            "consent_at": data.consent.at,
            "consent": data.consent.model_dump(),
        }
        # Opting in again through a form is the one way back from unsubscribed.
        if status == Status.UNSUBSCRIBED:
            changes["status"] = Status.ENGAGED.value
    if status in (Status.NEW, Status.CONTACTED):
        changes["status"] = Status.ENGAGED.value
    return changes


async def overview(db: Database, since: datetime) -> dict[str, Any]:
    """Counts of all contacts: by status, by source, with explicit consent, engaged and added
    since `since`."""
    return await repository.overview(db, since)


async def glance(db: Database, since: datetime) -> dict[str, Any]:
    """What a dashboard shows at once, from one pass over the contacts: `total`, `by_status`
    (those with contacts) and `new` (added since `since`)."""
    return await repository.glance(db, [s.value for s in Status], since)
