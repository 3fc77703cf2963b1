"""`/api/v1/contacts`: list with filters and cursor pages, CRUD, timeline, engagement summary."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from api.auth import Caller
from api.deps import Db, State, gateway
from api.schemas import error_responses
from crm.contacts.models import Contact, ContactCreate, ContactUpdate, Page, Status, TimelineEvent

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


class Summary(BaseModel):
    contact_id: str
    summary: str
    engagement_level: str = Field(examples=["warm"])
    interests: list[str] = []
    next_step: str
    events_used: int
    events_dropped: int


@router.get("", response_model=Page, responses=error_responses(404))
async def list_contacts(
    db: Db,
    caller: Caller,
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
    from crm.contacts import service
    from crm.contacts.repository import ContactFilter

    rule = None
    if segment:
        from crm.segments import service as segments

        rule = await segments.rule_for(db, segment)
    flt = ContactFilter(
        tag=tag, status=status.value if status else None, company=company, text=q, rule=rule
    )
    return await service.list_page(db, flt, cursor=cursor, limit=limit)


@router.post(
    "",
    response_model=Contact,
    status_code=201,
    responses=error_responses(409),
)
async def create_contact(
    db: Db,
    caller: Caller,
    data: Annotated[
        ContactCreate,
        Body(openapi_examples={"contact": {"summary": "A new contact", "value": CONTACT_EXAMPLE}}),
    ],
) -> Contact:
    from crm.contacts import service

    if "source" not in data.model_fields_set:
        data.source = "api"
    return await service.add(db, data)


@router.get("/{ref}", response_model=Contact, responses=error_responses(404))
async def get_contact(ref: str, db: Db, caller: Caller) -> Contact:
    from crm.contacts import service

    return await service.require(db, ref)


@router.patch("/{ref}", response_model=Contact, responses=error_responses(404, 409))
async def update_contact(
    ref: str,
    db: Db,
    caller: Caller,
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
    from crm.contacts import service

    return await service.update(db, ref, data)


@router.delete("/{ref}", status_code=204, response_class=Response, responses=error_responses(404))
async def delete_contact(ref: str, db: Db, caller: Caller) -> Response:
    from crm.contacts import service

    await service.delete(db, ref)
    return Response(status_code=204)


@router.get("/{ref}/timeline", response_model=Timeline, responses=error_responses(404))
async def contact_timeline(ref: str, db: Db, caller: Caller) -> Timeline:
    from crm.contacts import service

    contact, events = await service.history(db, ref)
    return Timeline(contact=contact, items=events)


@router.post("/{ref}/summary", response_model=Summary, responses=error_responses(404, 502))
async def contact_summary(ref: str, db: Db, state: State, caller: Caller) -> Summary:
    """An LLM-written summary of how the contact engaged (profile + timeline)."""
    from insights.summary import summarize

    contact_id, out = await summarize(db, ref, gateway(state, db))
    return Summary(contact_id=contact_id, **out.model_dump())
