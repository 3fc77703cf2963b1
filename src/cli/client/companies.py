"""Companies, on the database or through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cli.client.http import Api, seg
from crm.companies import service
from crm.companies.models import Company, CompanyCreate, CompanyUpdate
from crm.contacts import service as contacts
from crm.contacts.models import Contact, Page
from crm.contacts.repository import ContactFilter
from crm.db import Database

MEMBERS_SHOWN = 100


class Companies(Protocol):
    async def add(self, data: CompanyCreate) -> Company: ...

    async def list_page(
        self, cursor: str | None, limit: int
    ) -> tuple[list[Company], str | None]: ...

    async def show(self, ref: str) -> tuple[Company, list[Contact]]:
        """The company and its first contacts."""

    async def update(self, ref: str, data: CompanyUpdate) -> Company: ...

    async def delete(self, ref: str) -> str:
        """The deleted company's id."""


@dataclass
class LocalCompanies:
    db: Database

    async def add(self, data: CompanyCreate) -> Company:
        return await service.add(self.db, data)

    async def list_page(self, cursor: str | None, limit: int) -> tuple[list[Company], str | None]:
        return await service.list_page(self.db, cursor=cursor, limit=limit)

    async def show(self, ref: str) -> tuple[Company, list[Contact]]:
        company = await service.require(self.db, ref)
        flt = ContactFilter(company=company.id)
        return company, (await contacts.list_page(self.db, flt, limit=MEMBERS_SHOWN)).items

    async def update(self, ref: str, data: CompanyUpdate) -> Company:
        return await service.update(self.db, ref, data)

    async def delete(self, ref: str) -> str:
        company = await service.require(self.db, ref)
        await service.delete(self.db, company.id)
        return company.id


@dataclass
class RemoteCompanies:
    api: Api

    async def add(self, data: CompanyCreate) -> Company:
        body = data.model_dump(mode="json", exclude_unset=True)
        return Company.model_validate(await self.api.post("companies", body))

    async def list_page(self, cursor: str | None, limit: int) -> tuple[list[Company], str | None]:
        found = await self.api.get("companies", limit=limit, cursor=cursor)
        return [Company.model_validate(c) for c in found["items"]], found["next_cursor"]

    async def show(self, ref: str) -> tuple[Company, list[Contact]]:
        company = Company.model_validate(await self.api.get(f"companies/{seg(ref)}"))
        found = await self.api.get(f"companies/{seg(company.id)}/contacts", limit=MEMBERS_SHOWN)
        return company, Page.model_validate(found).items

    async def update(self, ref: str, data: CompanyUpdate) -> Company:
        changes = data.model_dump(mode="json", exclude_unset=True)
        return Company.model_validate(await self.api.patch(f"companies/{seg(ref)}", changes))

    async def delete(self, ref: str) -> str:
        return await self.api.delete("companies", ref)
