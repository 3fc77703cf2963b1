"""`/api/v1/segments`: CRUD, count and preview of saved rules (or an ad-hoc rule)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.permissions import requires
from api.schemas import error_responses
from api.tenancy import Db
from crm.contacts.models import Contact
from crm.segments import service
from crm.segments.models import Rule, Segment, SegmentCreate, SegmentUpdate, Snapshot

router = APIRouter(prefix="/segments", tags=["segments"])


class SegmentList(BaseModel):
    items: list[Segment]


class SnapshotList(BaseModel):
    items: list[Snapshot]


class Count(BaseModel):
    count: int


class Preview(BaseModel):
    items: list[Contact]
    count: int = Field(description="All members, not only those shown.")


class RuleQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Rule


@router.get("", response_model=SegmentList, **requires(Permission.READ))
async def list_segments(db: Db) -> SegmentList:
    return SegmentList(items=await service.list_all(db))


@router.post(
    "",
    response_model=Segment,
    status_code=201,
    responses=error_responses(409),
    **requires(Permission.WRITE),
)
async def create_segment(
    db: Db,
    data: Annotated[
        SegmentCreate,
        Body(
            openapi_examples={
                "rule": {
                    "summary": "VIPs in Germany",
                    "value": {
                        "name": "de-vips",
                        "rule": 'country = "DE" and tags contains "vip"',
                        "description": "Our best German contacts",
                    },
                }
            }
        ),
    ],
) -> Segment:
    return await service.create(db, data)


@router.post("/preview", response_model=Preview, **requires(Permission.READ))
async def preview_rule(
    db: Db,
    data: RuleQuery,
    limit: int = Query(default=20, ge=1, le=1000),
) -> Preview:
    """Members of an ad-hoc rule, without saving it."""
    items, count = await service.preview(db, rule=data.rule, limit=limit)
    return Preview(items=items, count=count)


@router.get(
    "/{ref}", response_model=Segment, responses=error_responses(404), **requires(Permission.READ)
)
async def get_segment(ref: str, db: Db) -> Segment:
    return await service.require(db, ref)


@router.patch(
    "/{ref}",
    response_model=Segment,
    responses=error_responses(404, 409),
    **requires(Permission.WRITE),
)
async def update_segment(ref: str, data: SegmentUpdate, db: Db) -> Segment:
    return await service.update(db, ref, data)


@router.delete(
    "/{ref}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404),
    **requires(Permission.DELETE, audit=Action.SEGMENT_DELETE),
)
async def delete_segment(ref: str, db: Db) -> Response:
    await service.delete(db, ref)
    return Response(status_code=204)


@router.get(
    "/{ref}/count",
    response_model=Count,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def count_segment(ref: str, db: Db) -> Count:
    return Count(count=await service.count(db, ref))


@router.get(
    "/{ref}/preview",
    response_model=Preview,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def preview_segment(
    ref: str, db: Db, limit: int = Query(default=20, ge=1, le=1000)
) -> Preview:
    items, count = await service.preview(db, ref, limit=limit)
    return Preview(items=items, count=count)


@router.get(
    "/{ref}/snapshots",
    response_model=SnapshotList,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def segment_snapshots(ref: str, db: Db) -> SnapshotList:
    """The segment's frozen member lists (campaigns take one when they are approved)."""
    return SnapshotList(items=await service.snapshots(db, ref))
