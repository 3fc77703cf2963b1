"""Company rules: unique domain, name lookups, linking contacts."""

from __future__ import annotations

from crm.companies import repository
from crm.companies.models import Company, CompanyCreate, CompanyUpdate, name_key
from crm.db import Database
from crm.paging import check_limit, decode_cursor, encode_cursor
from kernel.errors import Conflict, NotFound


async def add(db: Database, data: CompanyCreate) -> Company:
    if data.domain and (existing := await repository.find(db, domain=data.domain)):
        raise Conflict(
            f"a company with domain {data.domain} already exists (id {existing['id']})",
            details={"id": existing["id"]},
        )
    row = data.model_dump(exclude_none=True) | {"name_key": name_key(data.name)}
    return Company.model_validate(await repository.create(db, row))


async def get(db: Database, ref: str) -> Company | None:
    """By id, domain or exact name (case-insensitive)."""
    row = await repository.get(db, ref)
    if row is None and "." in ref:
        row = await repository.find(db, domain=ref.strip().lower())
    if row is None:
        row = await repository.find(db, name_key=name_key(ref))
    return Company.model_validate(row) if row else None


async def require(db: Database, ref: str) -> Company:
    company = await get(db, ref)
    if company is None:
        raise NotFound(f"no company {ref!r}")
    return company


async def update(db: Database, ref: str, data: CompanyUpdate) -> Company:
    company = await require(db, ref)
    changes = data.model_dump(exclude_unset=True)
    if data.name:
        changes["name_key"] = name_key(data.name)
    if data.domain and data.domain != company.domain:
        existing = await repository.find(db, domain=data.domain)
        if existing and existing["id"] != company.id:
            raise Conflict(f"a company with domain {data.domain} already exists")
    if data.custom is not None:
        changes["custom"] = {**company.custom, **data.custom}
    return Company.model_validate(await repository.update(db, company.id, changes))


async def delete(db: Database, ref: str) -> None:
    company = await require(db, ref)
    await repository.delete(db, company.id)


async def list_page(
    db: Database, *, cursor: str | None, limit: int
) -> tuple[list[Company], str | None]:
    rows = await repository.page(db, after=decode_cursor(cursor), limit=check_limit(limit) + 1)
    items = [Company.model_validate(r) for r in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return items, next_cursor


async def resolve_names(db: Database, names: list[str]) -> dict[str, str]:
    """Company name -> id for each name, creating the companies that don't exist yet."""
    keys = {name_key(n): n for n in names if n.strip()}
    found = await repository.ids_by_name_keys(db, list(keys))
    missing = [{"name": keys[k], "name_key": k} for k in keys if k not in found]
    found |= await repository.insert_many(db, missing)
    return found
