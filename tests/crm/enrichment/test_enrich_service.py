"""Enrichment runs: provenance, never overwriting user values, timeline, resumable re-runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from crm.contacts import service as contacts
from crm.contacts.models import Contact, FieldProvenance
from crm.contacts.service import timeline
from crm.db import Database, plain, record
from crm.enrichment import service
from crm.enrichment.models import RunOptions
from crm.segments import service as segments
from crm.segments.models import SegmentCreate
from factories import make_contact
from kernel.errors import ValidationFailed


async def stored(db: Database, key: str) -> dict[str, Any]:
    rows = await db.one("SELECT * FROM $id", {"id": record("contact", key)})
    return dict(plain(rows[0]))


async def enrichment_of(db: Database, key: str) -> dict[str, FieldProvenance]:
    return (await contacts.require(db, key)).enrichment


class TestFillsGaps:
    async def test_sets_values_with_provenance(self, db: Database) -> None:
        c = await make_contact(db, email="grace.hopper@navy-labs.com", title="Head of Research")
        report = await service.run(db, RunOptions())
        row = await stored(db, c.id)
        assert report.changed == 1
        assert (row["first_name"], row["last_name"]) == ("Grace", "Hopper")
        assert (row["email_domain"], row["free_mail"], row["seniority"]) == (
            "navy-labs.com",
            False,
            "head",
        )
        provenance = (await enrichment_of(db, c.id))["first_name"]
        assert provenance.enricher == "name"
        assert provenance.confidence == 0.6
        assert provenance.reason == "mailbox grace.hopper"
        assert provenance.value == "Grace"
        assert provenance.at <= datetime.now(UTC)

    async def test_links_contacts_to_one_company_per_domain(self, db: Database) -> None:
        a = await make_contact(db, email="a@acme-robotics.com")
        b = await make_contact(db, email="b@acme-robotics.com")
        report = await service.run(db, RunOptions())
        assert report.companies_created == 1
        company = (await stored(db, a.id))["company"]
        assert company == (await stored(db, b.id))["company"]
        rows = await db.one("SELECT name, domain FROM company")
        assert rows == [{"name": "Acme Robotics", "domain": "acme-robotics.com"}]

    async def test_links_to_an_existing_company_with_that_domain(self, db: Database) -> None:
        await db.query(
            "CREATE company:acme CONTENT"
            " {name: 'ACME Inc', name_key: 'acme inc', domain: 'acme.com'}"
        )
        c = await make_contact(db, email="a@acme.com")
        assert (await service.run(db, RunOptions())).companies_created == 0
        assert (await stored(db, c.id))["company"] == "acme"


class TestNeverOverwritesUserValues:
    async def test_user_values_stay(self, db: Database) -> None:
        c = await make_contact(
            db, email="grace.hopper@navy.mil", first_name="Amazing", company="Navy"
        )
        await service.run(db, RunOptions())
        row = await stored(db, c.id)
        assert row["first_name"] == "Amazing"
        assert row.get("last_name") is None  # the mailbox is not this first name's
        assert "first_name" not in await enrichment_of(db, c.id)
        assert (
            await db.one("SELECT VALUE name FROM $id", {"id": record("company", row["company"])})
        ) == ["Navy"]

    async def test_normalizing_keeps_the_value_it_replaced(self, db: Database) -> None:
        c = await make_contact(db, email="a@b.com", country="Germany", phone="030 1234567")
        await service.run(db, RunOptions())
        row = await stored(db, c.id)
        assert (row["country"], row["phone"]) == ("DE", "+49301234567")
        enrichment = await enrichment_of(db, c.id)
        assert enrichment["country"].previous == "Germany"
        assert enrichment["phone"].previous == "030 1234567"

    async def test_earlier_enriched_values_are_replaced_only_when_asked(self, db: Database) -> None:
        c = await make_contact(db, email="a@b.com", title="CTO")
        await service.run(db, RunOptions())
        assert (await stored(db, c.id))["seniority"] == "c_level"
        await db.query(
            "UPDATE $id SET title = 'Head of Engineering'", {"id": record("contact", c.id)}
        )
        await service.run(db, RunOptions())
        assert (await stored(db, c.id))["seniority"] == "c_level"
        await service.run(db, RunOptions(overwrite_enriched=True))
        row = await stored(db, c.id)
        assert row["seniority"] == "head"
        enrichment = await enrichment_of(db, c.id)
        seniority = enrichment["seniority"]
        assert (seniority.value, seniority.previous) == ("head", "c_level")
        assert enrichment["department"].value == "engineering"

    async def test_overwrite_enriched_never_touches_a_value_a_user_changed(
        self, db: Database
    ) -> None:
        c = await make_contact(db, email="a@b.com", title="CTO")
        await service.run(db, RunOptions())
        await db.query("UPDATE $id SET seniority = 'vp'", {"id": record("contact", c.id)})
        await service.run(db, RunOptions(overwrite_enriched=True))
        assert (await stored(db, c.id))["seniority"] == "vp"


class TestTimeline:
    async def test_each_run_that_changes_a_contact_adds_one_event(self, db: Database) -> None:
        c = await make_contact(db, email="a@b.com", country="Germany")
        await service.run(db, RunOptions())
        await service.run(db, RunOptions())
        events = [e for e in await timeline(db, c.id) if e["kind"] == "enriched"]
        assert len(events) == 1
        assert events[0]["data"]["changes"]["country"] == "DE"
        assert events[0]["data"]["previous"] == {"country": "Germany"}

    async def test_every_changing_run_shows_with_its_fields_newest_first(
        self, db: Database
    ) -> None:
        c = await make_contact(db, email="a@gmail.com", title="CTO")
        await service.run(db, RunOptions())
        await db.query(
            "UPDATE $id SET title = 'Head of Engineering'", {"id": record("contact", c.id)}
        )
        await service.run(db, RunOptions(overwrite_enriched=True))
        events = [e for e in await timeline(db, c.id) if e["kind"] == "enriched"]
        assert [e["data"] for e in events] == [
            {"changes": {"seniority": "head"}, "previous": {"seniority": "c_level"}},
            {"changes": {"email_domain": "gmail.com", "free_mail": True, "disposable": False,
                         "role_address": False, "seniority": "c_level",
                         "department": "engineering"}},
        ]  # fmt: skip
        assert events[0]["at"] > events[1]["at"]
        # The first run's provenance of the fields the second left alone is still there.
        enrichment = await enrichment_of(db, c.id)
        assert enrichment["department"].at == events[1]["at"]
        assert enrichment["seniority"].at == events[0]["at"]


class TestContactModel:
    async def test_provenance_survives_the_json_the_api_sends(self, db: Database) -> None:
        c = await make_contact(db, email="a@b.com", country="Germany")
        await service.run(db, RunOptions())
        contact = await contacts.require(db, c.id)
        again = Contact.model_validate(contact.model_dump(mode="json"))
        assert again.enrichment == contact.enrichment
        assert again.enrichment["country"].previous == "Germany"


class TestRuns:
    async def test_a_rerun_redoes_nothing(self, db: Database) -> None:
        for n in range(5):
            await make_contact(db, email=f"p{n}@example.com")
        first = await service.run(db, RunOptions(batch_size=2))
        again = await service.run(db, RunOptions(batch_size=2))
        assert (first.processed, first.changed) == (5, 5)
        assert (again.processed, again.changed, again.skipped) == (5, 0, 5)

    async def test_an_interrupted_run_resumes_where_it_stopped(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for n in range(6):
            await make_contact(db, email=f"p{n}@example.com")
        from crm.enrichment import repository

        class Stop(Exception):
            pass

        real_save = repository.save
        calls = 0

        async def failing_save(*args: Any) -> None:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise Stop  # as if the second batch never committed
            await real_save(*args)

        monkeypatch.setattr(repository, "save", failing_save)
        with pytest.raises(Stop):
            await service.run(db, RunOptions(batch_size=2))
        monkeypatch.setattr(repository, "save", real_save)
        # The batches saved alongside the failed one committed whole: only its two contacts
        # are left to do.
        resumed = await service.run(db, RunOptions(batch_size=2))
        assert (resumed.skipped, resumed.changed) == (4, 2)
        again = await service.run(db, RunOptions(batch_size=2))
        assert (again.skipped, again.changed) == (6, 0)

    async def test_a_changed_input_is_looked_at_again(self, db: Database) -> None:
        c = await make_contact(db, email="a@b.com")
        await service.run(db, RunOptions())
        await db.query("UPDATE $id SET title = 'CFO'", {"id": record("contact", c.id)})
        again = await service.run(db, RunOptions())
        assert again.fields == {"seniority": 1, "department": 1}

    async def test_only_some_fields(self, db: Database) -> None:
        c = await make_contact(db, email="grace.hopper@navy.mil", title="CEO")
        report = await service.run(db, RunOptions(only=frozenset({"seniority"})))
        assert report.fields == {"seniority": 1}
        assert (await stored(db, c.id)).get("department") is None

    async def test_unknown_only_fields_are_rejected(self, db: Database) -> None:
        with pytest.raises(ValidationFailed, match="cannot enrich 'senority'"):
            await service.run(db, RunOptions(only=frozenset({"senority"})))
        with pytest.raises(ValidationFailed, match="add --ai"):
            await service.run(db, RunOptions(only=frozenset({"city"})))

    async def test_a_segment_limits_the_run(self, db: Database) -> None:
        await make_contact(db, email="a@b.com", tags=["vip"])
        await make_contact(db, email="c@d.com")
        await segments.create(db, SegmentCreate(name="vips", rule='tags contains "vip"'))
        assert (await service.run(db, RunOptions(segment="vips"))).processed == 1
