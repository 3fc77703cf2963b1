"""Saved segments: names, rules checked on save, counts, previews, snapshots, index use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from campaigns.tracking import Tokens, click_payload
from crm.contacts import service as contacts
from crm.contacts.repository import ContactFilter
from crm.db import Database, plain, record
from crm.events import service as engagement
from crm.segments import service
from crm.segments.models import SegmentCreate, SegmentUpdate
from factories import make_campaign, make_contact, make_contacts, make_page
from kernel.errors import Conflict, NotFound, ValidationFailed
from kernel.settings import Settings


async def dach_vips(db: Database) -> None:
    await make_contact(db, email="a@x.com", country="DE", tags=["vip"])
    await make_contact(db, email="b@x.com", country="AT", tags=["vip"])
    await make_contact(db, email="c@x.com", country="FR", tags=["vip"])
    await make_contact(db, email="d@x.com", country="DE")
    await service.create(
        db, SegmentCreate(name="DACH VIP", rule='country in ["DE","AT"] and tags contains "vip"')
    )


class TestSavedSegments:
    async def test_found_by_name_case_insensitively_or_by_id(self, db: Database) -> None:
        await dach_vips(db)
        segment = await service.require(db, "dach vip")
        assert (await service.require(db, segment.id)).name == "DACH VIP"

    async def test_names_are_unique(self, db: Database) -> None:
        await dach_vips(db)
        with pytest.raises(Conflict, match="already exists"):
            await service.create(db, SegmentCreate(name="dach  VIP", rule='country = "DE"'))

    async def test_a_broken_rule_is_never_saved(self, db: Database) -> None:
        with pytest.raises(ValidationFailed, match="at column 1, did you mean 'country'"):
            await service.create(db, SegmentCreate(name="x", rule='cuntry = "DE"'))
        assert await service.list_all(db) == []

    async def test_update_checks_the_new_rule(self, db: Database) -> None:
        await dach_vips(db)
        with pytest.raises(ValidationFailed):
            await service.update(db, "DACH VIP", SegmentUpdate(rule="tags = 1"))
        await service.update(db, "DACH VIP", SegmentUpdate(rule='country = "FR"'))
        assert await service.count(db, "DACH VIP") == 1

    async def test_unknown_segments(self, db: Database) -> None:
        with pytest.raises(NotFound):
            await service.rule_for(db, "nope")


class TestMembers:
    async def test_count_and_preview(self, db: Database) -> None:
        await dach_vips(db)
        items, total = await service.preview(db, "DACH VIP", limit=1)
        assert total == await service.count(db, "DACH VIP") == 2
        assert len(items) == 1

    async def test_a_preview_shows_the_first_members_in_list_order_and_counts_them_all(
        self, db: Database
    ) -> None:
        await make_contacts(db, count=5, domain="de.example.com", country="DE")
        await make_contacts(db, count=3, domain="fr.example.com", country="FR")
        rule = 'country = "DE"'

        items, total = await service.preview(db, rule=rule, limit=2)
        listed = await contacts.list_page(
            db, ContactFilter(rule=await service.compiled(db, rule)), limit=2
        )

        assert total == 5
        assert [c.id for c in items] == [c.id for c in listed.items]
        assert all(c.country == "DE" for c in items)
        assert await service.preview(db, rule='country = "IT"') == ([], 0)

    async def test_the_rule_plugs_into_the_contact_list(self, db: Database) -> None:
        await dach_vips(db)
        page = await contacts.list_page(
            db, ContactFilter(status="new", rule=await service.rule_for(db, "DACH VIP"))
        )
        assert sorted(c.email for c in page.items) == ["a@x.com", "b@x.com"]

    async def test_an_or_rule_still_ands_with_the_list_filters(self, db: Database) -> None:
        await dach_vips(db)
        await make_contact(db, email="e@x.com", country="FR", tags=["vip"], status="customer")
        await service.update(
            db, "DACH VIP", SegmentUpdate(rule='country = "FR" or tags contains "vip"')
        )
        rule = await service.rule_for(db, "DACH VIP")
        page = await contacts.list_page(db, ContactFilter(status="new", rule=rule))
        assert sorted(c.email for c in page.items) == ["a@x.com", "b@x.com", "c@x.com"]

    async def test_ad_hoc_rules(self, db: Database) -> None:
        await dach_vips(db)
        assert await service.count(db, rule={"field": "country", "op": "=", "value": "DE"}) == 2

    async def test_contains_reads_the_text_as_written_in_any_case(self, db: Database) -> None:
        await make_contact(db, email="a@x.com", title="C++ (Lead) Engineer")
        await make_contact(db, email="b@x.com", title="Cxx Lead")
        await make_contact(db, email="c@x.com", custom={"note": "Ask ^$ about [IT]"})
        await make_contact(db, email="d@x.com", custom={"note": 42})

        def count(rule: str) -> Any:
            return service.count(db, rule=rule)

        assert await count('title contains "c++ (lead"') == 1
        assert await count('title contains "c.."') == 0
        assert await count('not (title contains "c++")') == 3  # no title counts as not containing
        assert await count('custom.note contains "^$ ABOUT [it]"') == 1
        assert await count('not (custom.note contains "ask")') == 3

    async def test_the_count_walks_an_index_not_the_table(self, db: Database) -> None:
        await dach_vips(db)
        sql, params = await service.rule_for(db, "DACH VIP")
        plan = await db.one(f"SELECT VALUE id FROM contact WHERE {sql} EXPLAIN", params)
        assert "IndexScan" in _operators(plan)
        assert "TableScan" not in _operators(plan)


def _operators(plan: dict[str, Any]) -> list[str]:
    """Every step of a SurrealDB 3 query plan, outermost first."""
    return [
        plan["operator"],
        *(op for child in plan.get("children", []) for op in _operators(child)),
    ]


async def engaged(db: Database, email: str, *events: tuple[str, int]) -> None:
    """A contact with tracked events of these kinds, so many days ago."""
    contact = await make_contact(db, email=email)
    for kind, days in events:
        at = datetime.now(UTC) - timedelta(days=days)
        await engagement.record_event(db, contact.id, kind, at=at)


async def members(db: Database, rule: str | dict[str, str]) -> list[str]:
    items, count = await service.preview(db, rule=rule)
    assert count == len(items)
    return sorted(c.email for c in items)


class TestEngagement:
    async def test_rules_see_opens_clicks_and_recency_from_the_timeline(self, db: Database) -> None:
        await engaged(db, "recent@x.com", ("email_clicked", 2))
        await engaged(db, "lapsed@x.com", ("email_opened", 90), ("email_opened", 60))
        await engaged(db, "never@x.com")
        assert await members(db, "last_engaged within 14d") == ["recent@x.com"]
        assert await members(db, "opens >= 2") == ["lapsed@x.com"]
        assert await members(db, "clicks > 0 or engagement_score > 2") == ["recent@x.com"]
        assert await members(db, "not last_engaged exists") == ["never@x.com"]

    async def test_engagement_facts_follow_tracked_events(self, db: Database) -> None:
        await engaged(db, "clicker@x.com", ("email_clicked", 3))
        await engaged(db, "reader@x.com", ("email_opened", 40), ("form_submitted", 1))
        await engaged(db, "never@x.com")
        assert await members(db, "opened") == ["reader@x.com"]
        assert await members(db, "opened within 14d") == []
        assert await members(db, {"event": "clicked", "within": "7d"}) == ["clicker@x.com"]
        assert await members(db, "submitted within 2d and not clicked") == ["reader@x.com"]
        assert await members(db, "not (opened or clicked or submitted)") == ["never@x.com"]


async def clicked_through_the_api(db: Database, campaign: str, email: str) -> None:
    """The contact follows a tracked link of `campaign` (GET /t/c/{token}, as in an email)."""
    secret = "s3cret-for-tests"
    contact = await make_contact(db, email=email)
    rows = await db.one(
        "CREATE delivery CONTENT {campaign: $c, contact: $p, channel: 'email', state: 'sent'}",
        {"c": record("campaign", campaign), "p": record("contact", contact.id)},
    )
    delivery = str(plain(rows[0]["id"]))
    token = Tokens(secret).make(
        "click", click_payload(delivery, campaign, contact.id, "https://example.com/spring")
    )
    app = create_app(Settings(db_url="mem://", secret_key=SecretStr(secret)), database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get(f"/t/c/{token}")
    assert response.status_code == 302


class TestCampaignFacts:
    async def test_a_tracked_click_puts_the_contact_in_the_segment(self, db: Database) -> None:
        spring = await make_campaign(db, name="Spring launch")
        autumn = await make_campaign(db, name="Autumn sale")
        await clicked_through_the_api(db, spring.id, "clicker@x.com")
        await clicked_through_the_api(db, autumn.id, "other@x.com")
        await make_contact(db, email="never@x.com")
        await service.create(
            db, SegmentCreate(name="spring", rule='clicked campaign "Spring launch"')
        )

        assert await members(db, 'clicked campaign "spring  LAUNCH"') == ["clicker@x.com"]
        assert await members(db, f'clicked campaign "{autumn.id}"') == ["other@x.com"]
        # A click counts as an open too (the pixel may have been blocked).
        assert await members(db, {"event": "opened", "campaign": "Spring launch"}) == [
            "clicker@x.com"
        ]
        assert await members(db, 'not clicked campaign "Spring launch"') == [
            "never@x.com",
            "other@x.com",
        ]
        assert await service.count(db, "spring") == 1
        page = await contacts.list_page(
            db, ContactFilter(rule=await service.rule_for(db, "spring"))
        )
        assert [c.email for c in page.items] == ["clicker@x.com"]
        snapshot = await service.snapshot(db, "spring")
        assert snapshot.count == 1

    async def test_a_landing_page_form_counts_for_its_campaign(self, db: Database) -> None:
        from landing_pages import service as pages
        from landing_pages.models import Submission

        spring = await make_campaign(db, name="Spring launch")
        page = await make_page(db, campaign=spring.id)
        await pages.submit(db, page, Submission(email="form@x.com"), ip="203.0.113.7")
        other = await make_page(db, slug="other")
        await pages.submit(db, other, Submission(email="nocamp@x.com"), ip="203.0.113.7")

        assert await members(db, 'submitted campaign "Spring launch"') == ["form@x.com"]
        assert await members(db, "submitted") == ["form@x.com", "nocamp@x.com"]

    async def test_an_unknown_campaign_is_never_saved(self, db: Database) -> None:
        await make_campaign(db, name="Spring launch")
        with pytest.raises(ValidationFailed, match="unknown campaign 'Sprng' at column 18"):
            await service.create(db, SegmentCreate(name="x", rule='clicked campaign "Sprng"'))
        assert await service.list_all(db) == []

    async def test_a_name_two_campaigns_share_is_refused_but_their_ids_work(
        self, db: Database
    ) -> None:
        one = await make_campaign(db, name="Webinar")
        two = await make_campaign(db, name="webinar")
        with pytest.raises(
            ValidationFailed, match="campaign name 'Webinar' is ambiguous"
        ) as caught:
            await service.count(db, rule='opened campaign "Webinar"')
        assert one.id in caught.value.message and two.id in caught.value.message
        assert await service.count(db, rule=f'opened campaign "{one.id}"') == 0

    async def test_a_deleted_campaign_makes_the_segment_say_so(self, db: Database) -> None:
        spring = await make_campaign(db, name="Spring launch")
        await service.create(db, SegmentCreate(name="s", rule='clicked campaign "Spring launch"'))
        await db.query("DELETE $id", {"id": record("campaign", spring.id)})
        with pytest.raises(ValidationFailed, match="unknown campaign 'Spring launch' at column 18"):
            await service.count(db, "s")

    async def test_the_campaign_is_a_bound_parameter(self, db: Database) -> None:
        spring = await make_campaign(db, name="Spring launch")
        sql, params = await service.compiled(db, 'clicked campaign "Spring launch"')
        assert params == {"r0": spring.id}
        assert "Spring" not in sql

    @pytest.mark.parametrize(
        "name", ['x"; DELETE contact; --', "x') OR true OR ('", "$limit", "`campaign`", "a:b"]
    )
    async def test_hostile_campaign_names_are_only_ever_parameters(
        self, db: Database, name: str
    ) -> None:
        await make_contact(db, email="a@x.com")
        hostile = await make_campaign(db, name=name)
        rule = {"event": "clicked", "campaign": name}
        sql, params = await service.compiled(db, rule)
        assert name not in sql and params == {"r0": hostile.id}
        assert await service.count(db, rule=rule) == 0
        with pytest.raises(ValidationFailed, match="unknown campaign"):
            await service.count(db, rule={"event": "clicked", "campaign": name + "x"})
        assert await db.one("RETURN count(SELECT VALUE id FROM contact)") == 1


class TestSnapshots:
    async def test_a_snapshot_is_frozen(self, db: Database) -> None:
        await dach_vips(db)
        snapshot = await service.snapshot(db, "DACH VIP")
        await make_contact(db, email="e@x.com", country="AT", tags=["vip"])
        members = await service.snapshot_members(db, snapshot.id)
        assert snapshot.count == len(members) == 2
        assert await service.count(db, "DACH VIP") == 3

    async def test_members_page_in_id_order(self, db: Database) -> None:
        await dach_vips(db)
        snapshot = await service.snapshot(db, "DACH VIP")
        first = await service.snapshot_members(db, snapshot.id, limit=1)
        rest = await service.snapshot_members(db, snapshot.id, after=first[-1], limit=10)
        assert len(first + rest) == 2 and first[0] < rest[0]

    async def test_snapshots_outlive_their_segment(self, db: Database) -> None:
        await dach_vips(db)
        snapshot = await service.snapshot(db, "DACH VIP")
        await service.delete(db, "DACH VIP")
        kept = await service.get_snapshot(db, snapshot.id)
        assert kept is not None and kept.segment is None and kept.segment_name == "DACH VIP"
        assert len(await service.snapshot_members(db, snapshot.id)) == 2
