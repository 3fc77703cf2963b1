"""`/app/contacts`: search and filters with cursor pages, a contact's page (fields, provenance,
timeline, the AI summary with its cost), create and edit, CSV import with its error report."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from accounts.audit.actions import Action
from accounts.principals import Principal
from accounts.roles import Permission
from api.console.deps import Person, console_router
from api.console.render import page
from api.deps import gateway
from api.permissions import Note, requires
from api.tenancy import Db, Here
from crm.contacts import service
from crm.contacts.importer import ImportOptions, OnDuplicate, import_csv
from crm.contacts.models import Contact, ContactCreate, ContactUpdate, Status
from crm.db import Database
from crm.segments import service as segments
from insights import activity
from insights.summary import summarize_with_cost
from llm_tools.engagement_summary import EngagementSummaryOut

router = console_router(prefix="/app/contacts")
PAGE_SIZE = 50
EDITABLE = ("first_name", "last_name", "title", "company", "country", "city", "phone")


@router.get("", **requires(Permission.READ))
async def contacts_page(
    request: Request,
    caller: Person,
    db: Db,
    q: Annotated[str, Query(max_length=200)] = "",
    tag: Annotated[str, Query(max_length=100)] = "",
    status: Status | None = None,
    segment: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    flt = await segments.contact_filter(
        db,
        segment or None,
        tag=tag or None,
        status=status.value if status else None,
        text=q or None,
    )
    found = await service.list_page(db, flt, cursor=cursor or None, limit=PAGE_SIZE)
    query = {"q": q, "tag": tag, "status": status.value if status else "", "segment": segment}
    more = f"?{urlencode({**query, 'cursor': found.next_cursor})}" if found.next_cursor else ""
    return page(
        request,
        "contacts.jinja",
        caller=caller,
        title="Contacts",
        contacts=found.items,
        query=query,
        statuses=list(Status),
        next_page=more,
        export=f"/api/v1/contacts/export?{urlencode({'segment': segment})}"
        if segment
        else "/api/v1/contacts/export",
    )


def _form(values: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """Form fields as the service's input: blank means not set (new) or cleared (edit)."""
    data: dict[str, Any] = {
        k: (values.get(k) or "").strip() or None for k in EDITABLE if k in values
    }
    data["tags"] = [t.strip() for t in str(values.get("tags", "")).split(",") if t.strip()]
    if new:
        data = {k: v for k, v in data.items() if v not in (None, [])}
        data["email"] = values.get("email", "")
    elif values.get("status"):
        data["status"] = values["status"]
    return data


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def _edit_page(
    request: Request, caller: Any, contact: Contact | None, values: dict[str, Any], message: str
) -> Response:
    return page(
        request,
        "contact_form.jinja",
        caller=caller,
        status_code=422 if message else 200,
        title=f"Edit {contact.email}" if contact else "New contact",
        contact=contact,
        values=values,
        message=message,
        statuses=list(Status),
    )


@router.get("/new", **requires(Permission.WRITE))
async def new_contact(request: Request, caller: Person) -> Response:
    return _edit_page(request, caller, None, {}, "")


@router.post("/new", **requires(Permission.WRITE, audit=Action.CONTACT_CREATE))
async def create_contact(request: Request, caller: Person, db: Db, note: Note) -> Response:
    values = {k: str(v) for k, v in (await request.form()).items()}
    try:
        data = ContactCreate.model_validate({**_form(values, new=True), "source": "console"})
    except ValidationError as exc:
        note.done = False
        return _edit_page(request, caller, None, values, _problems(exc))
    made = await service.add(db, data)
    note.target = Action.CONTACT_CREATE.target(made.id)
    return RedirectResponse(f"/app/contacts/{quote(made.id)}", status_code=303)


@router.post("/import", **requires(Permission.WRITE, audit=Action.CONTACTS_IMPORT))
async def import_contacts(
    request: Request,
    caller: Person,
    db: Db,
    file: Annotated[UploadFile, File(description="A CSV file, header first")],
    on_duplicate: Annotated[OnDuplicate, Form()] = OnDuplicate.SKIP,
    tag: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    options = ImportOptions(on_duplicate=on_duplicate, tags=[tag] if tag else [])
    with tempfile.TemporaryDirectory(prefix="crm-import-") as folder:
        upload = Path(folder) / "upload.csv"
        with upload.open("wb") as out:
            while chunk := await file.read(1 << 20):
                out.write(chunk)
        report = await import_csv(db, upload, options)
    errors = io.StringIO()
    writer = csv.writer(errors)
    writer.writerow(["line", "reason"])
    writer.writerows((e.line, e.reason) for e in report.errors)
    return page(
        request,
        "import_report.jinja",
        caller=caller,
        title="Import report",
        report=report,
        errors_csv=quote(errors.getvalue()),
    )


async def _contact_page(
    request: Request,
    caller: Principal,
    db: Database,
    ref: str,
    summary: EngagementSummaryOut | None = None,
    cost: float = 0.0,
) -> Response:
    contact, events = await activity.history(db, ref)
    return page(
        request,
        "contact.jinja",
        caller=caller,
        title=contact.email,
        contact=contact,
        events=events,
        summary=summary,
        cost=cost,
    )


@router.get("/{ref}", **requires(Permission.READ))
async def contact_page(request: Request, caller: Person, db: Db, ref: str) -> Response:
    return await _contact_page(request, caller, db, ref)


@router.post("/{ref}/summary", **requires(Permission.WRITE))
async def contact_summary(
    request: Request, caller: Person, db: Db, here: Here, ref: str
) -> Response:
    """The AI summary of how the contact engaged, with what it cost, on the contact's page."""
    _, out, cost = await summarize_with_cost(db, ref, gateway(here.state, db))
    return await _contact_page(request, caller, db, ref, out, cost)


@router.get("/{ref}/edit", **requires(Permission.WRITE))
async def edit_contact(request: Request, caller: Person, db: Db, ref: str) -> Response:
    contact = await service.require(db, ref)
    values = contact.model_dump(mode="json") | {"tags": ", ".join(contact.tags)}
    values["company"] = contact.company_name or ""
    return _edit_page(request, caller, contact, values, "")


@router.post("/{ref}/edit", **requires(Permission.WRITE, audit=Action.CONTACT_UPDATE))
async def update_contact(
    request: Request, caller: Person, db: Db, ref: str, note: Note
) -> Response:
    contact = await service.require(db, ref)
    values = {k: str(v) for k, v in (await request.form()).items()}
    try:
        data = ContactUpdate.model_validate(_form(values, new=False))
    except ValidationError as exc:
        note.done = False
        return _edit_page(request, caller, contact, values, _problems(exc))
    await service.update(db, contact.id, data)
    note.target = Action.CONTACT_UPDATE.target(contact.id)
    return RedirectResponse(f"/app/contacts/{quote(contact.id)}", status_code=303)
