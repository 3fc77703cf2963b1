"""`/api/v1/companies`: CRUD with cursor pages, and a company's contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.permissions import requires
from api.schemas import error_responses
from api.tenancy import Db
from crm.companies import service
from crm.companies.models import Company, CompanyCreate, CompanyUpdate
from crm.contacts import service as contacts
from crm.contacts.models import Page
from crm.contacts.repository import ContactFilter

router = APIRouter(prefix="/companies", tags=["companies"])


class CompanyPage(BaseModel):
    items: list[Company]
    next_cursor: str | None = None


@router.get("", response_model=CompanyPage, **requires(Permission.READ))
async def list_companies(
    db: Db,
    limit: int = Query(default=50, ge=1, le=1000),
    cursor: str | None = Query(default=None, max_length=200),
) -> CompanyPage:
    items, next_cursor = await service.list_page(db, cursor=cursor, limit=limit)
    return CompanyPage(items=items, next_cursor=next_cursor)


@router.post(
    "",
    response_model=Company,
    status_code=201,
    responses=error_responses(409),
    **requires(Permission.WRITE),
)
async def create_company(
    db: Db,
    data: Annotated[
        CompanyCreate,
        Body(
            openapi_examples={
                "company": {
                    "summary": "A company",
                    "value": {"name": "Acme", "domain": "acme.com", "industry": "SaaS", "size": 40},
                }
            }
        ),
    ],
) -> Company:
    return await service.add(db, data)


@router.get(
    "/{ref}", response_model=Company, responses=error_responses(404), **requires(Permission.READ)
)
async def get_company(ref: str, db: Db) -> Company:
    """By id, domain or exact name."""
    return await service.require(db, ref)


@router.patch(
    "/{ref}",
    response_model=Company,
    responses=error_responses(404, 409),
    **requires(Permission.WRITE),
)
async def update_company(ref: str, data: CompanyUpdate, db: Db) -> Company:
    return await service.update(db, ref, data)


@router.delete(
    "/{ref}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404),
    **requires(Permission.DELETE, audit=Action.COMPANY_DELETE),
)
async def delete_company(ref: str, db: Db) -> Response:
    await service.delete(db, ref)
    return Response(status_code=204)


@router.get(
    "/{ref}/contacts",
    response_model=Page,
    responses=error_responses(404),
    **requires(Permission.READ),
)
async def company_contacts(
    ref: str,
    db: Db,
    limit: int = Query(default=50, ge=1, le=1000),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page:
    company = await service.require(db, ref)
    return await contacts.list_page(
        db, ContactFilter(company=company.id), cursor=cursor, limit=limit
    )
