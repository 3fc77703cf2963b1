"""Contacts: add/show/update/delete/list, dedupe by email, the lifecycle, the timeline."""

from __future__ import annotations

import base64
import random

import pytest
from pydantic import ValidationError

from crm.companies import service as companies
from crm.contacts import service
from crm.contacts.models import ContactCreate, ContactUpdate, Status, check_transition
from crm.contacts.repository import ContactFilter
from crm.db import Database
from factories import make_company, make_contact, make_contacts
from kernel.errors import Conflict, NotFound, ValidationFailed


class TestAdd:
    async def test_stores_normalized_fields(self, db: Database) -> None:
        contact = await make_contact(
            db,
            email="  Ada@Example.COM ",
            first_name=" Ada ",
            last_name="Lovelace",
            phone="020 7946 0018",
            country="gb",
            tags=["VIP", "vip", " news "],
            custom={"plan": "pro", "seats": 3},
        )

        assert contact.email == "Ada@example.com"
        assert contact.first_name == "Ada"
        assert contact.phone == "+442079460018"
        assert contact.country == "GB"
        assert contact.tags == ["vip", "news"]
        assert contact.custom == {"plan": "pro", "seats": 3}
        assert contact.status is Status.NEW
        assert await service.get(db, contact.id) == contact

    async def test_unparseable_phone_is_kept_as_typed(self, db: Database) -> None:
        contact = await make_contact(db, phone="ask reception, ext 12")

        assert contact.phone == "ask reception, ext 12"

    @pytest.mark.parametrize("email", ["ada@example.com", "ADA@example.com", "Ada@EXAMPLE.com"])
    async def test_a_second_contact_with_the_same_email_is_a_conflict(
        self, db: Database, email: str
    ) -> None:
        first = await make_contact(db, email="ada@example.com")

        with pytest.raises(Conflict, match="already exists") as caught:
            await make_contact(db, email=email)

        assert caught.value.details["id"] == first.id
        page = await service.list_page(db, ContactFilter())
        assert [c.id for c in page.items] == [first.id]

    @pytest.mark.parametrize("email", ["", "not-an-email", "ada@", "ada@example"])
    def test_invalid_email_is_refused_before_anything_is_stored(self, email: str) -> None:
        with pytest.raises(ValidationError, match="email"):
            ContactCreate(email=email)

    @pytest.mark.parametrize("key", ["Plan", "plan-type", "1st", "x" * 65])
    def test_bad_custom_field_name_is_refused(self, key: str) -> None:
        with pytest.raises(ValidationError, match="bad custom field name"):
            ContactCreate(email="ada@example.com", custom={key: "x"})

    async def test_company_is_a_link_to_a_company_record(self, db: Database) -> None:
        contact = await make_contact(db, company="Analytical Engines")

        company = await companies.require(db, "Analytical Engines")
        assert contact.company == company.id
        assert contact.company_name == "Analytical Engines"

    async def test_contacts_naming_the_same_company_share_it(self, db: Database) -> None:
        acme = await make_company(db, name="Acme Corp", domain="acme.com")
        a = await make_contact(db, email="a@acme.com", company="Acme Corp")
        b = await make_contact(db, email="b@acme.com", company="  acme   corp ")

        assert a.company == b.company == acme.id


class TestGet:
    async def test_by_id_or_by_email_in_any_case(self, db: Database) -> None:
        contact = await make_contact(db, email="ada@example.com")

        assert await service.get(db, contact.id) == contact
        assert await service.get(db, "ADA@Example.com") == contact
        assert await service.get(db, "nobody@example.com") is None

    @pytest.mark.parametrize("ref", ["nope", "contact:x", "`; DELETE contact; --", ""])
    async def test_unknown_refs_are_not_found(self, db: Database, ref: str) -> None:
        await make_contact(db)

        assert await service.get(db, ref) is None
        with pytest.raises(NotFound):
            await service.require(db, ref)
        assert len((await service.list_page(db, ContactFilter())).items) == 1


class TestUpdate:
    async def test_changes_fields_and_merges_custom_fields(self, db: Database) -> None:
        contact = await make_contact(db, first_name="Ada", custom={"plan": "free", "seats": 1})

        updated = await service.update(
            db, contact.id, ContactUpdate(last_name="Lovelace", custom={"plan": "pro"})
        )

        assert updated.first_name == "Ada"
        assert updated.last_name == "Lovelace"
        assert updated.custom == {"plan": "pro", "seats": 1}
        assert updated.updated_at >= contact.updated_at
        assert await service.get(db, contact.id) == updated

    async def test_phone_uses_the_contacts_country_as_hint(self, db: Database) -> None:
        contact = await make_contact(db, country="GB")

        updated = await service.update(db, contact.id, ContactUpdate(phone="020 7946 0018"))

        assert updated.phone == "+442079460018"

    async def test_email_change_to_an_address_taken_in_another_case_is_a_conflict(
        self, db: Database
    ) -> None:
        await make_contact(db, email="ada@example.com")
        grace = await make_contact(db, email="grace@example.com")

        with pytest.raises(Conflict):
            await service.update(db, grace.id, ContactUpdate(email="ADA@example.com"))

        assert (await service.require(db, grace.id)).email == "grace@example.com"

    async def test_email_case_change_of_the_same_contact_is_allowed(self, db: Database) -> None:
        contact = await make_contact(db, email="ada@example.com")

        updated = await service.update(db, contact.id, ContactUpdate(email="Ada@example.com"))

        assert updated.email == "Ada@example.com"
        assert await service.get(db, "ada@example.com") == updated

    async def test_company_change_links_the_named_company(self, db: Database) -> None:
        contact = await make_contact(db, company="Old Co")

        updated = await service.update(db, contact.id, ContactUpdate(company="New Co"))

        assert updated.company_name == "New Co"
        assert updated.company == (await companies.require(db, "New Co")).id

    async def test_unknown_contact_is_not_found(self, db: Database) -> None:
        with pytest.raises(NotFound):
            await service.update(db, "nobody", ContactUpdate(first_name="X"))


class TestLifecycle:
    @pytest.mark.parametrize(
        ("start", "target"),
        [
            (Status.NEW, Status.CONTACTED),
            (Status.NEW, Status.CUSTOMER),
            (Status.CONTACTED, Status.QUALIFIED),
            (Status.QUALIFIED, Status.CUSTOMER),
            (Status.NEW, Status.UNSUBSCRIBED),
            (Status.CUSTOMER, Status.UNSUBSCRIBED),
            (Status.ENGAGED, Status.BOUNCED),
        ],
    )
    async def test_allowed_moves(self, db: Database, start: Status, target: Status) -> None:
        contact = await make_contact(db, status=start)

        updated = await service.set_status(db, contact.id, target)

        assert updated.status is target
        assert (await service.require(db, contact.id)).status is target

    @pytest.mark.parametrize(
        ("start", "target", "reason"),
        [
            (Status.CONTACTED, Status.NEW, "back"),
            (Status.CUSTOMER, Status.QUALIFIED, "back"),
            (Status.UNSUBSCRIBED, Status.NEW, "terminal"),
            (Status.UNSUBSCRIBED, Status.BOUNCED, "terminal"),
            (Status.BOUNCED, Status.CUSTOMER, "terminal"),
        ],
    )
    async def test_refused_moves_leave_the_contact_unchanged(
        self, db: Database, start: Status, target: Status, reason: str
    ) -> None:
        contact = await make_contact(db, status=start)

        with pytest.raises(ValidationFailed, match=reason):
            await service.set_status(db, contact.id, target)

        assert (await service.require(db, contact.id)).status is start

    def test_the_state_machine_as_a_table(self) -> None:
        funnel = ["new", "contacted", "engaged", "qualified", "customer"]
        for current in Status:
            for target in Status:
                allowed = (
                    current == target
                    or (current.value in funnel and target.value not in funnel)
                    or (
                        current.value in funnel
                        and target.value in funnel
                        and funnel.index(target) > funnel.index(current)
                    )
                )
                if allowed:
                    check_transition(current, target)
                else:
                    with pytest.raises(ValidationFailed):
                        check_transition(current, target)

    def test_unknown_status_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            ContactUpdate(status="vip")  # type: ignore[arg-type]


class TestTimeline:
    async def test_a_new_contact_has_a_created_event(self, db: Database) -> None:
        contact = await make_contact(db)

        _, events = await service.history(db, contact.id)

        assert [e.kind for e in events] == ["created"]
        assert events[0].at == contact.created_at

    async def test_updates_record_which_fields_changed_newest_first(self, db: Database) -> None:
        contact = await make_contact(db)
        await service.update(db, contact.id, ContactUpdate(first_name="Ada", title="CTO"))
        await service.update(db, contact.id, ContactUpdate(email="ada.l@example.com"))

        _, events = await service.history(db, contact.id)

        assert [e.kind for e in events] == ["updated", "updated", "created"]
        assert events[0].data["fields"] == ["email"]
        assert events[1].data["fields"] == ["first_name", "title"]

    async def test_status_changes_are_events_with_from_and_to(self, db: Database) -> None:
        contact = await make_contact(db)
        await service.set_status(db, contact.id, Status.CONTACTED)

        _, events = await service.history(db, contact.id)

        change = next(e for e in events if e.kind == "status_changed")
        assert change.data == {"from": "new", "to": "contacted"}
        assert [e.kind for e in events if e.kind == "updated"] == ["updated"]

    async def test_an_update_that_changes_nothing_records_nothing(self, db: Database) -> None:
        contact = await make_contact(db, first_name="Ada", status=Status.CONTACTED)

        await service.update(db, contact.id, ContactUpdate(first_name="Ada"))
        await service.set_status(db, contact.id, Status.CONTACTED)

        _, events = await service.history(db, contact.id)
        assert [e.kind for e in events] == ["created"]

    async def test_imported_contacts_start_with_an_imported_event(self, db: Database) -> None:
        contact = await make_contact(db, source="import", source_detail="leads.csv")

        _, events = await service.history(db, contact.id)

        assert events[-1].kind == "imported"
        assert events[-1].data == {"source": "import", "detail": "leads.csv"}


class TestDelete:
    async def test_removes_the_contact_and_its_timeline(self, db: Database) -> None:
        contact = await make_contact(db)
        await service.set_status(db, contact.id, Status.CONTACTED)

        await service.delete(db, contact.id)

        assert await service.get(db, contact.id) is None
        assert await db.one("SELECT * FROM event") == []

    async def test_the_email_can_be_used_again(self, db: Database) -> None:
        contact = await make_contact(db, email="ada@example.com")
        await service.delete(db, "ADA@example.com")

        again = await make_contact(db, email="ada@example.com")

        assert again.id != contact.id

    async def test_unknown_contact_is_not_found(self, db: Database) -> None:
        with pytest.raises(NotFound):
            await service.delete(db, "nobody")


async def walk(db: Database, flt: ContactFilter, *, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = await service.list_page(db, flt, cursor=cursor, limit=limit)
        pages.append([c.id for c in page.items])
        if page.next_cursor is None:
            return pages
        assert len(page.items) == limit
        cursor = page.next_cursor


class TestList:
    @pytest.mark.parametrize("limit", [1, 3, 7, 23, 50])
    async def test_walking_all_pages_returns_every_contact_exactly_once(
        self, db: Database, limit: int
    ) -> None:
        created = await make_contacts(db, count=23)

        pages = await walk(db, ContactFilter(), limit=limit)

        ids = [i for page in pages for i in page]
        assert sorted(ids) == sorted(c.id for c in created)
        assert len(ids) == len(set(ids))
        assert len(pages) == max(1, -(-23 // limit))

    async def test_the_order_is_stable(self, db: Database) -> None:
        await make_contacts(db, count=10)

        assert await walk(db, ContactFilter(), limit=4) == await walk(db, ContactFilter(), limit=4)

    async def test_contacts_added_while_walking_do_not_repeat_earlier_ones(
        self, db: Database
    ) -> None:
        await make_contacts(db, count=10)
        first = await service.list_page(db, ContactFilter(), limit=5)
        await make_contacts(db, count=5, domain="late.example")

        rest = await walk_from(db, first.next_cursor, limit=5)

        assert not set(c for c in rest) & {c.id for c in first.items}

    async def test_the_cursor_is_opaque(self, db: Database) -> None:
        await make_contacts(db, count=3)

        page = await service.list_page(db, ContactFilter(), limit=1)

        assert page.next_cursor is not None
        assert page.items[0].id not in page.next_cursor

    async def test_filters_walk_to_exactly_the_matching_contacts(self, db: Database) -> None:
        acme = await make_company(db, name="Acme")
        tagged = await make_contacts(db, count=6, domain="t.example", tags=["vip"])
        await make_contacts(db, count=6, domain="u.example", tags=["other"])
        at_acme = await make_contacts(db, count=4, domain="acme.example", company="Acme")
        await service.set_status(db, tagged[0].id, Status.CONTACTED)

        assert sorted(i for p in await walk(db, ContactFilter(tag="VIP"), limit=4) for i in p) == (
            sorted(c.id for c in tagged)
        )
        by_company = await walk(db, ContactFilter(company=acme.id), limit=3)
        assert sorted(i for p in by_company for i in p) == sorted(c.id for c in at_acme)
        by_status = await service.list_page(db, ContactFilter(status="contacted"))
        assert [c.id for c in by_status.items] == [tagged[0].id]
        both = await service.list_page(db, ContactFilter(tag="vip", status="new"))
        assert sorted(c.id for c in both.items) == sorted(c.id for c in tagged[1:])

    async def test_text_search_matches_email_and_names_case_insensitively(
        self, db: Database
    ) -> None:
        ada = await make_contact(db, email="ada@engines.example", first_name="Ada")
        grace = await make_contact(db, email="gh@navy.example", last_name="Hopper")
        await make_contact(db, email="linus@kernel.example")

        def found(page: object) -> list[str]:
            return sorted(c.id for c in page.items)  # type: ignore[attr-defined]

        assert found(await service.list_page(db, ContactFilter(text="ENGINES"))) == [ada.id]
        assert found(await service.list_page(db, ContactFilter(text="hop"))) == [grace.id]
        assert found(await service.list_page(db, ContactFilter(text="ada"))) == [ada.id]
        assert found(await service.list_page(db, ContactFilter(text="nobody"))) == []

    async def test_text_search_finds_a_prefix_the_middle_of_a_name_and_any_case(
        self, db: Database
    ) -> None:
        asa = await make_contact(db, email="Asa.Berg@fjord.example.com", first_name="ÅSA")
        await make_contact(db, email="bo@fjord.example.com", last_name="Lindqvist")

        def found(text: str) -> object:
            return service.list_page(db, ContactFilter(text=text))

        assert [c.id for c in (await found("asa.b")).items] == [asa.id]
        assert [c.id for c in (await found("åsa")).items] == [asa.id]
        assert [c.email for c in (await found("DQV")).items] == ["bo@fjord.example.com"]
        assert len((await found("FJORD")).items) == 2

    async def test_text_search_follows_edits_and_never_matches_across_fields(
        self, db: Database
    ) -> None:
        ada = await make_contact(db, email="ada@example.com", first_name="Ada", last_name="King")
        await service.update(db, ada.id, ContactUpdate(last_name="Lovelace"))

        def ids(text: str) -> object:
            return service.list_page(db, ContactFilter(text=text))

        assert [c.id for c in (await ids("lovelace")).items] == [ada.id]
        assert (await ids("king")).items == []
        # The end of the email and the start of the first name are not one string.
        assert (await ids("example.com\nada")).items == []
        assert (await ids("example.comada")).items == []

    async def test_an_empty_database_has_one_empty_page(self, db: Database) -> None:
        page = await service.list_page(db, ContactFilter())

        assert page.items == []
        assert page.next_cursor is None

    @pytest.mark.parametrize("limit", [0, -1, 1001])
    async def test_limit_out_of_range_is_refused(self, db: Database, limit: int) -> None:
        with pytest.raises(ValidationFailed, match="limit"):
            await service.list_page(db, ContactFilter(), limit=limit)


def b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HOSTILE_CURSORS = [
    b64("`; DELETE contact; --"),
    b64("abc`>..; DELETE contact; SELECT * FROM contact:`x"),
    b64("abc\n"),
    b64(b"\xff\xfe\x00"),
    "`; DELETE contact; --",
    "!!!not base64!!!",
    "a",
    "x" * 500,
]


class TestHostileCursor:
    @pytest.mark.parametrize("cursor", HOSTILE_CURSORS)
    async def test_is_a_clear_error_and_harms_nothing(self, db: Database, cursor: str) -> None:
        await make_contacts(db, count=3)

        with pytest.raises(ValidationFailed, match="invalid cursor"):
            await service.list_page(db, ContactFilter(), cursor=cursor)

        assert len((await service.list_page(db, ContactFilter())).items) == 3

    async def test_random_junk_is_refused_or_harmless(self, db: Database) -> None:
        created = {c.id for c in await make_contacts(db, count=3)}
        rng = random.Random(1234)
        for _ in range(50):
            junk = "".join(rng.choice("AZaz09-_=`;:!") for _ in range(rng.randint(1, 40)))
            try:
                page = await service.list_page(db, ContactFilter(), cursor=junk)
            except ValidationFailed:
                continue
            assert {c.id for c in page.items} <= created
        assert {c.id for c in (await service.list_page(db, ContactFilter())).items} == created


async def walk_from(db: Database, cursor: str | None, *, limit: int) -> list[str]:
    ids: list[str] = []
    while cursor is not None:
        page = await service.list_page(db, ContactFilter(), cursor=cursor, limit=limit)
        ids += [c.id for c in page.items]
        cursor = page.next_cursor
    return ids
