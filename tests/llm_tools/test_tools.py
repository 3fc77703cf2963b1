"""Each tool end to end through the gateway, against a mocked provider."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import respx

from fake_llm import reply
from kernel.errors import LLMError
from llm_fakes import error, sent
from llm_tools.email import EmailIn, write_email
from llm_tools.engagement_summary import (
    EngagementIn,
    EngagementSummary,
    TimelineEvent,
    summarize_engagement,
)
from llm_tools.enrich_contact import EnrichIn, enrich_contact
from llm_tools.gateway import Gateway
from llm_tools.inputs import Brand, Campaign, CompanyProfile, ContactProfile
from llm_tools.landing_page import LandingPageIn, field_name, write_landing_page
from llm_tools.social_post import SocialPostIn, write_social_posts

BRAND = Brand(name="Acme Analytics", voice="warm and direct")
CAMPAIGN = Campaign(
    name="Spring launch",
    brief="Acme Insights shows sales trends; 30% off for new teams until May.",
    link="https://acme.test/spring",
    sender_name="Grace",
)
ADA = ContactProfile(first_name="Ada", last_name="Lovelace", email="ada@initech.com")
INITECH = CompanyProfile(name="Initech", industry="Software", size=200)

EMAIL = {
    "subject": "Ada, see your sales trends at 30% off",
    "message": "Initech's sales team could see trends at a glance. "
    "Try Acme Insights: https://acme.test/spring",
}


def email_in(contact: ContactProfile = ADA, campaign: Campaign = CAMPAIGN) -> EmailIn:
    return EmailIn(contact=contact, company=INITECH, campaign=campaign, brand=BRAND)


class TestEmail:
    async def test_the_message_goes_between_a_greeting_and_a_sign_off(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(EMAIL)]

        email = await write_email(email_in(), gateway=gateway)

        assert email.subject == EMAIL["subject"]
        assert email.body == f"Hi Ada,\n\n{EMAIL['message']}\n\nBest regards,\nGrace"
        assert email.templated == ["greeting", "sign_off"]
        assert email.preheader == "Initech's sales team could see trends at a glance."
        assert email.body_html.startswith("<p>Hi Ada,</p>")
        assert '<a href="https://acme.test/spring">' in email.body_html
        prompt = sent(provider)["messages"][1]["content"]
        assert "Initech" in prompt and "warm and direct" in prompt and "30% off" in prompt

    async def test_the_link_is_added_when_the_message_lacks_it(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [
            reply({**EMAIL, "message": "See your sales trends at a glance. Try it today."})
        ]
        anonymous = ContactProfile(email="team@initech.com")
        unsigned = CAMPAIGN.model_copy(update={"sender_name": None})

        email = await write_email(email_in(anonymous, unsigned), gateway=gateway)

        assert email.body == (
            "Hi {{first_name|there}},\n\nSee your sales trends at a glance. Try it today.\n\nhttps://acme.test/spring"
            "\n\nBest regards,\nAcme Analytics"
        )
        assert email.templated == ["greeting", "link", "sign_off"]

    async def test_a_greeting_or_sign_off_in_the_message_is_cut(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        greeted = f"Dear Ada, {EMAIL['message']}\n\nKind regards,\nThe team"
        provider.side_effect = [reply({**EMAIL, "message": greeted})]

        email = await write_email(email_in(), gateway=gateway)

        assert email.body == f"Hi Ada,\n\n{EMAIL['message']}\n\nBest regards,\nGrace"

    async def test_placeholders_and_long_subjects_are_sent_back(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        bad = {"subject": "x" * 79, "message": EMAIL["message"].replace("Initech", "[Company]")}
        provider.side_effect = [reply(bad), reply(EMAIL)]

        email = await write_email(email_in(), gateway=gateway)

        repair = sent(provider)["messages"][-1]["content"]
        assert "subject: String should have at most 78 characters" in repair
        assert "[Company]" in repair
        assert email.subject == EMAIL["subject"]

    async def test_still_invalid_after_the_attempts_is_an_error(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        provider.side_effect = [reply({**EMAIL, "message": "Too short."})]

        with pytest.raises(LLMError) as failure:
            await write_email(email_in(), gateway=make_gateway(max_attempts=1))
        assert "message: String should have at least 40 characters" in failure.value.message


class TestSocialPosts:
    async def test_one_call_per_platform_with_composed_posts(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        variants = {
            "variants": [
                {"text": "Sales trends at a glance.", "hashtags": ["#analytics", "sales"]},
                {"text": "30% off Acme Insights.", "hashtags": []},
            ]
        }
        provider.side_effect = [reply(variants), reply(variants)]

        out = await write_social_posts(
            SocialPostIn(campaign=CAMPAIGN, brand=BRAND, platforms=["x", "linkedin"], variants=2),
            gateway=gateway,
        )

        assert [p.platform for p in out.posts] == ["x", "x", "linkedin", "linkedin"]
        assert out.posts[0].hashtags == ["analytics", "sales"]
        assert out.posts[0].full_text == (
            "Sales trends at a glance.\n\n#analytics #sales\n\nhttps://acme.test/spring"
        )
        schema = sent(provider)["messages"][0]["content"]
        assert '"minItems": 2' in schema and '"maxItems": 2' in schema

    async def test_over_the_platform_limit_is_re_asked(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        too_long = {"variants": [{"text": "word " * 60, "hashtags": []}]}
        fits = {"variants": [{"text": "Short and sweet.", "hashtags": []}]}
        provider.side_effect = [reply(too_long), reply(fits)]

        out = await write_social_posts(
            SocialPostIn(campaign=CAMPAIGN, brand=BRAND, platforms=["x"], variants=1),
            gateway=gateway,
        )

        # 299 characters of stripped text, a blank line, and the link counted as 23 by X.
        assert (
            "324 characters with hashtags and link; x allows 280"
            in (sent(provider)["messages"][-1]["content"])
        )
        assert out.posts[0].text == "Short and sweet."

    async def test_hashtags_are_normalised_instead_of_re_asked(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        tags = ["#B2B-growth", "#marketing 2", "#café", "#!!", "#B2B growth", "a", "x1", "y2"]
        drafts = {"variants": [{"text": "Sales trends at a glance.", "hashtags": tags}]}
        provider.side_effect = [reply(drafts)]

        out = await write_social_posts(
            SocialPostIn(campaign=CAMPAIGN, brand=BRAND, platforms=["x"], variants=1),
            gateway=gateway,
        )

        assert provider.call_count == 1
        # Fixed where possible, unusable ones dropped, duplicates once, at most five.
        assert out.posts[0].hashtags == ["B2BGrowth", "marketing2", "cafe", "x1", "y2"]
        assert "#B2BGrowth #marketing2" in out.posts[0].full_text


LANDING = {
    "headline": "See your sales trends at a glance",
    "subheadline": "Acme Insights turns your pipeline into clear weekly trends.",
    "sections": [{"heading": "Why teams switch", "body": "Less spreadsheet work, more selling."}],
    "call_to_action": {"label": "Start free"},
    "seo_title": "Acme Insights: sales trends",
    "seo_description": "Sales trend dashboards for growing teams, 30% off until May.",
    "form_fields": [
        {"label": "Work e-mail", "type": "email", "required": True},
        {"label": "Company", "type": "text", "required": False},
    ],
}


class TestLandingPage:
    async def test_returns_a_page_spec_with_fields_named_from_their_labels(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(LANDING)]

        page = await write_landing_page(
            LandingPageIn(campaign=CAMPAIGN, brand=BRAND, audience="sales leads"), gateway=gateway
        )

        assert page.headline == LANDING["headline"]
        assert [(f.name, f.type) for f in page.form_fields] == [
            ("work_e_mail", "email"),
            ("company", "text"),
        ]
        assert "for sales leads" in sent(provider)["messages"][1]["content"]

    async def test_a_form_without_email_gets_one_first(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        no_email = {
            **LANDING,
            "form_fields": [
                {"label": "Email", "type": "text", "required": False},
                {"label": "Company", "type": "text", "required": False},
            ],
        }
        provider.side_effect = [reply(no_email)]

        page = await write_landing_page(
            LandingPageIn(campaign=CAMPAIGN, brand=BRAND), gateway=gateway
        )

        assert [(f.name, f.type, f.required) for f in page.form_fields] == [
            ("email", "email", True),
            ("company", "text", False),
        ]

    async def test_labels_that_give_the_same_name_are_re_asked(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        twice = {
            **LANDING,
            "form_fields": [
                {"label": "Company", "type": "text", "required": True},
                {"label": "Company:", "type": "text", "required": False},
            ],
        }
        provider.side_effect = [reply(twice), reply(LANDING)]

        await write_landing_page(LandingPageIn(campaign=CAMPAIGN, brand=BRAND), gateway=gateway)

        repair = sent(provider)["messages"][-1]["content"]
        assert "give each field its own label, got ['company', 'company']" in repair


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Work email", "work_email"),
        ("  First name ", "first_name"),
        ("Company / team", "company_team"),
        ("2nd phone", "field_2nd_phone"),
        ("Tell us about your project and what you need", "tell_us_about_your_project_and_what_you"),
    ],
)
def test_field_names_are_snake_case_from_labels(label: str, name: str) -> None:
    assert field_name(label) == name


SUMMARY = {
    "summary": "Ada leads sales at Initech and asked for a demo after reading about pricing.",
    "engagement_level": "hot",
    "interests": ["sales dashboards", "pricing"],
    "next_step": "Book the demo she asked for this week.",
}


def timeline(count: int) -> list[TimelineEvent]:
    start = datetime(2024, 1, 1)
    return [
        TimelineEvent(at=start + timedelta(days=i), kind="email_opened", detail=f"newsletter {i}")
        for i in range(count)
    ]


class TestEngagementSummary:
    async def test_summarises_the_timeline_oldest_first(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(SUMMARY)]
        events = list(reversed(timeline(3)))

        out = await summarize_engagement(
            EngagementIn(contact=ADA, company=INITECH, timeline=events), gateway=gateway
        )

        assert out.engagement_level == "hot"
        assert (out.events_used, out.events_dropped) == (3, 0)
        prompt = sent(provider)["messages"][1]["content"]
        assert prompt.index("newsletter 0") < prompt.index("newsletter 2")

    async def test_a_long_timeline_is_cut_oldest_first_to_fit(
        self, make_gateway: Callable[..., Gateway], provider: respx.Route
    ) -> None:
        provider.side_effect = [reply(SUMMARY)]
        gateway = make_gateway(context_window=2500)

        out = await summarize_engagement(
            EngagementIn(contact=ADA, timeline=timeline(500)), gateway=gateway
        )

        prompt = sent(provider)["messages"][1]["content"]
        assert out.events_dropped > 0
        assert out.events_used + out.events_dropped == 500
        assert "newsletter 499" in prompt
        assert "newsletter 0\n" not in prompt
        assert f"({out.events_dropped} older events not shown)" in prompt
        budget = await gateway.prompt_budget(EngagementSummary, max_tokens=400)
        assert gateway.count_tokens(prompt) <= budget


class TestEnrichContact:
    async def test_proposes_values_for_missing_fields(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        proposals = {
            "proposals": [
                {
                    "field": "company",
                    "value": "Initech",
                    "confidence": 0.8,
                    "reason": "email domain initech.com",
                },
            ]
        }
        provider.side_effect = [reply(proposals)]

        out = await enrich_contact(EnrichIn(contact=ADA), gateway=gateway)

        assert out.proposals[0].value == "Initech"
        assert (
            "Missing fields: title, company, country, city"
            in (sent(provider)["messages"][1]["content"])
        )

    async def test_unknown_values_and_fields_not_asked_for_are_re_asked(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        bad = {
            "proposals": [
                {"field": "city", "value": "Unknown", "confidence": 0.1, "reason": "no data"},
            ]
        }
        provider.side_effect = [reply(bad), reply({"proposals": []})]

        out = await enrich_contact(EnrichIn(contact=ADA, fields=["city"]), gateway=gateway)

        assert out.proposals == []
        assert "leave city out instead of guessing" in sent(provider)["messages"][-1]["content"]

    async def test_nothing_missing_means_no_call(
        self, gateway: Gateway, provider: respx.Route
    ) -> None:
        full = ADA.model_copy(
            update={"title": "CTO", "company": "Initech", "country": "GB", "city": "London"}
        )
        provider.side_effect = [error(500, "must not be called")]

        assert (await enrich_contact(EnrichIn(contact=full), gateway=gateway)).proposals == []
        assert provider.call_count == 0
