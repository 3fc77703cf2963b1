"""`/api/v1/contacts`: list with filters and cursor pages, CRUD, CSV import and export, timeline,
engagement summary."""

from __future__ import annotations

import codecs
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.deps import gateway
from api.permissions import requires
from api.schemas import error_responses
from api.tenancy import Db, Here
from crm.contacts import service
from crm.contacts.csv_format import parse_map
from crm.contacts.exporter import export_csv
from crm.contacts.importer import ImportOptions, OnDuplicate, import_csv
from crm.contacts.models import Contact, ContactCreate, ContactUpdate, Page, Status, TimelineEvent
from crm.segments import service as segments
from insights import activity
from insights.summary import summarize_with_cost
from kernel.errors import ValidationFailed

router = APIRouter(prefix="/contacts", tags=["contacts"])

CONTACT_EXAMPLE: dict[str, Any] = {
    "email": "ada@example.com",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "title": "Head of Growth",
    "country": "GB",
    "tags": ["vip"],
    "custom": {"plan": "pro"},
}


class Timeline(BaseModel):
    contact: Contact
    items: list[TimelineEvent] = Field(description="Newest first.")


class RowError(BaseModel):
    line: int
    reason: str


class ImportResult(BaseModel):
    read: int
    created: int
    updated: int
    skipped: int
    failed: int
    errors: list[RowError] = Field(description="The first 1000 failed rows.")


class Summary(BaseModel):
    contact_id: str
    summary: str
    engagement_level: str = Field(examples=["warm"])
    interests: list[str] = []
    next_step: str
    events_used: int
    events_dropped: int
    cost: float = Field(description="USD the summary's LLM calls cost (0 from the cache).")


@router.get("", response_model=Page, responses=error_responses(404), **requires(Permission.READ))
async def list_contacts(
    db: Db,
    tag: str | None = Query(default=None, max_length=100),
    status: Status | None = None,
    company: str | None = Query(default=None, max_length=64, description="Company id"),
    q: str | None = Query(
        default=None, max_length=200, description="Text in email, first or last name"
    ),
    segment: str | None = Query(default=None, max_length=200, description="Segment name or id"),
    limit: int = Query(default=50, ge=1, le=1000),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page:
    flt = await segments.contact_filter(
        db, segment, tag=tag, status=status.value if status else None, company=company, text=q
    )
    return await service.list_page(db, flt, cursor=cursor, limit=limit)


@router.post(
    "",
    response_model=Contact,
    status_code=201,
    responses=error_responses(409),
    **requires(Permission.WRITE),
)
async def create_contact(
    db: Db,
    data: Annotated[
        ContactCreate,
        Body(openapi_examples={"contact": {"summary": "A new contact", "value": CONTACT_EXAMPLE}}),
    ],
) -> Contact:
    if "source" not in data.model_fields_set:
        data.source = "api"
    return await service.add(db, data)


@router.post(
    "/import",
    response_model=ImportResult,
    responses=error_responses(413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A CSV file (UTF-8 or Latin-1; `,` `;` tab or `|`), header first.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
    **requires(Permission.WRITE),
)
async def import_contacts(
    request: Request,
    db: Db,
    on_duplicate: OnDuplicate = OnDuplicate.SKIP,
    tag: Annotated[list[str] | None, Query(description="Tag every imported contact")] = None,
    map_: Annotated[
        list[str] | None, Query(alias="map", description="COLUMN=FIELD (field, custom.NAME)")
    ] = None,
    encoding: str | None = Query(default=None, max_length=40, description="Default: detected"),
) -> ImportResult:
    """Import a CSV upload like `crm contacts import`: bad rows are reported with their line
    number, good rows land. The body is streamed to a temporary file, never held in memory."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValidationFailed(f"unknown encoding {encoding!r}") from None
    options = ImportOptions(
        on_duplicate=on_duplicate,
        tags=tag or [],
        column_map=parse_map(map_ or []),
        encoding=encoding,
    )
    with tempfile.TemporaryDirectory(prefix="crm-import-") as folder:
        upload = Path(folder) / "upload.csv"
        with upload.open("wb") as out:
            async for chunk in request.stream():
                # The database cannot store NUL; refused whole, like any /api/v1 body with one.
                if b"\x00" in chunk:
                    raise ValidationFailed("the CSV file must not contain NUL characters")
                out.write(chunk)
        report = await import_csv(db, upload, options)
    return ImportResult.model_validate(report.as_dict())


@router.get(
    "/export",
    response_class=FileResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The contacts as CSV"},
        **error_responses(404),
    },
    **requires(Permission.EXPORT, audit=Action.CONTACTS_EXPORT),
)
async def export_contacts(
    db: Db,
    segment: str | None = Query(default=None, max_length=200, description="Segment name or id"),
    raw: bool = Query(
        default=False,
        description="Values exactly as stored, for programs. By default a cell starting with "
        "`=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` so a spreadsheet shows "
        "it instead of running it (the import takes the quote off again).",
    ),
) -> FileResponse:
    """Every contact (or a segment's) as CSV, importable again; the `X-Exported` header
    tells how many."""
    flt = await segments.contact_filter(db, segment)
    folder = Path(tempfile.mkdtemp(prefix="crm-export-"))
    try:
        count = await export_csv(db, folder / "contacts.csv", flt, raw=raw)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        folder / "contacts.csv",
        media_type="text/csv; charset=utf-8",
        filename="contacts.csv",
        headers={"X-Exported": str(count)},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get(
    "/{ref}", response_model=Contact, responses=error_responses(404), **requires(Permission.READ)
)
async def get_contact(ref: str, db: Db) -> Contact:
    return await service.require(db, ref)


@router.patch(
    "/{ref}",
    response_model=Contact,
    responses=error_responses(404, 409),
    **requires(Permission.WRITE),
)
async def update_contact(
    ref: str,
    db: Db,
    data: Annotated[
        ContactUpdate,
        Body(
            openapi_examples={
                "status": {"summary": "Move forward", "value": {"status": "engaged"}},
                "fields": {"summary": "Set fields", "value": {"title": "CTO", "tags": ["vip"]}},
            }
        ),
    ],
) -> Contact:
    return await service.update(db, ref, data)


@router.delete(
    "/{ref}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404),
    **requires(Permission.DELETE, audit=Action.CONTACT_DELETE),
)
async def delete_contact(ref: str, db: Db) -> Response:
    await service.delete(db, ref)
    return Response(status_code=204)


@router.get(
    "/{ref}/timeline",
    response_model=Timeline,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def contact_timeline(ref: str, db: Db) -> Timeline:
    contact, events = await activity.history(db, ref)
    return Timeline(contact=contact, items=events)


@router.post(
    "/{ref}/summary",
    response_model=Summary,
    responses=error_responses(404, 502),
    **requires(Permission.WRITE),
)
async def contact_summary(ref: str, db: Db, here: Here) -> Summary:
    """An LLM-written summary of how the contact engaged (profile + timeline)."""
    contact_id, out, cost = await summarize_with_cost(db, ref, gateway(here.state, db))
    return Summary(contact_id=contact_id, cost=cost, **out.model_dump())
