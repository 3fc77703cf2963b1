"""Companies: CRUD, unique domain, lookups, and the contacts linked to them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crm.companies import repository, service
from crm.companies.models import CompanyCreate, CompanyUpdate
from crm.contacts import service as contacts
from crm.contacts.repository import ContactFilter
from crm.db import Database
from factories import make_company, make_contact
from kernel.errors import Conflict, NotFound


class TestAdd:
    async def test_stores_normalized_fields(self, db: Database) -> None:
        company = await make_company(
            db,
            name="  Acme  ",
            domain="https://www.ACME.com/about",
            size=40,
            custom={"tier": "gold"},
        )

        assert company.name == "Acme"
        assert company.domain == "acme.com"
        assert company.size == 40
        assert company.custom == {"tier": "gold"}
        assert await service.get(db, company.id) == company

    @pytest.mark.parametrize("domain", ["acme.com", "ACME.com", "www.acme.com", "http://acme.com"])
    async def test_a_second_company_with_the_same_domain_is_a_conflict(
        self, db: Database, domain: str
    ) -> None:
        first = await make_company(db, name="Acme", domain="acme.com")

        with pytest.raises(Conflict, match=r"acme\.com") as caught:
            await make_company(db, name="Acme Again", domain=domain)

        assert caught.value.details["id"] == first.id
        items, _ = await service.list_page(db, cursor=None, limit=10)
        assert [c.id for c in items] == [first.id]

    async def test_many_companies_may_have_no_domain(self, db: Database) -> None:
        a = await make_company(db, name="A")
        b = await make_company(db, name="B")

        assert a.domain is None
        assert b.domain is None
        assert a.id != b.id

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"name": ""}, "name"),
            ({"name": "   "}, "name"),
            ({"name": "X", "domain": "not a domain"}, "domain"),
            ({"name": "X", "size": 0}, "size"),
            ({"name": "X", "custom": {"Bad-Key": 1}}, "bad custom field name"),
        ],
    )
    def test_invalid_input_is_refused(self, fields: dict[str, object], message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            CompanyCreate.model_validate(fields)


class TestGet:
    async def test_by_id_domain_or_name_in_any_case(self, db: Database) -> None:
        company = await make_company(db, name="Acme Corp", domain="acme.com")

        assert await service.get(db, company.id) == company
        assert await service.get(db, "ACME.com") == company
        assert await service.get(db, "acme  CORP") == company
        assert await service.get(db, "Other") is None
        with pytest.raises(NotFound):
            await service.require(db, "Other")


class TestUpdate:
    async def test_changes_fields_and_merges_custom(self, db: Database) -> None:
        company = await make_company(db, custom={"tier": "gold", "region": "eu"})

        updated = await service.update(
            db, company.id, CompanyUpdate(industry="Software", custom={"tier": "platinum"})
        )

        assert updated.industry == "Software"
        assert updated.custom == {"tier": "platinum", "region": "eu"}
        assert await service.get(db, company.id) == updated

    async def test_renaming_keeps_name_lookups_working(self, db: Database) -> None:
        company = await make_company(db, name="Acme")

        await service.update(db, company.id, CompanyUpdate(name="Acme Holdings"))

        assert (await service.require(db, "acme holdings")).id == company.id
        assert await service.get(db, "Acme") is None

    def test_a_blank_name_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="name"):
            CompanyUpdate(name="   ")

    async def test_taking_another_companys_domain_is_a_conflict(self, db: Database) -> None:
        await make_company(db, name="Acme", domain="acme.com")
        other = await make_company(db, name="Other", domain="other.com")

        with pytest.raises(Conflict):
            await service.update(db, other.id, CompanyUpdate(domain="acme.com"))

        assert (await service.require(db, other.id)).domain == "other.com"

    async def test_keeping_its_own_domain_is_fine(self, db: Database) -> None:
        company = await make_company(db, name="Acme", domain="acme.com")

        updated = await service.update(db, company.id, CompanyUpdate(domain="ACME.com"))

        assert updated.domain == "acme.com"


class TestContacts:
    async def test_a_companys_contacts_are_listable(self, db: Database) -> None:
        acme = await make_company(db, name="Acme")
        staff = [await make_contact(db, email=f"p{n}@acme.com", company="Acme") for n in range(3)]
        await make_contact(db, email="x@other.com", company="Other")

        page = await contacts.list_page(db, ContactFilter(company=acme.id))

        assert sorted(c.id for c in page.items) == sorted(c.id for c in staff)
        assert {c.company_name for c in page.items} == {"Acme"}

    async def test_delete_unlinks_its_contacts_and_keeps_them(self, db: Database) -> None:
        acme = await make_company(db, name="Acme")
        ada = await make_contact(db, email="ada@acme.com", company="Acme")
        other = await make_contact(db, email="x@other.com", company="Other")

        await service.delete(db, acme.id)

        assert await service.get(db, acme.id) is None
        kept = await contacts.require(db, ada.id)
        assert kept.company is None
        assert kept.company_name is None
        assert (await contacts.require(db, other.id)).company_name == "Other"

    async def test_delete_unknown_is_not_found(self, db: Database) -> None:
        with pytest.raises(NotFound):
            await service.delete(db, "nobody")


class TestList:
    async def test_walking_all_pages_returns_every_company_once(self, db: Database) -> None:
        created = {(await make_company(db, name=f"C{n}")).id for n in range(7)}
        seen: list[str] = []
        cursor = None
        while True:
            items, cursor = await service.list_page(db, cursor=cursor, limit=3)
            seen += [c.id for c in items]
            if cursor is None:
                break

        assert sorted(seen) == sorted(created)


async def test_companies_named_in_bulk_get_new_keys_when_one_is_taken(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await service.resolve_names(db, ["Acme"])
    taken = first["acme"]
    # The random source is the edge: it draws the taken key once, then others.
    keys = iter([taken, "fresh0000001"])
    monkeypatch.setattr(repository, "new_key", lambda: next(keys))

    found = await service.resolve_names(db, ["Globex"])

    assert found == {"globex": "fresh0000001"}
    assert (await service.require(db, taken)).name == "Acme"
