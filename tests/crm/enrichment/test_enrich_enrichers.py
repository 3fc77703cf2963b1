"""Each deterministic enricher on its own: what it proposes for a contact."""

from __future__ import annotations

from typing import Any

import pytest

from crm.enrichment.enrichers import company, country, email, name, phone, title
from crm.reference.countries import country_code


def proposed(enricher: Any, **contact: Any) -> dict[str, Any]:
    return {p.field: p.value for p in enricher.propose(contact)}


class TestEmail:
    def test_business_address(self) -> None:
        assert proposed(email, email="Ada.Lovelace+news@Mail.Acme.co.uk") == {
            "email_domain": "mail.acme.co.uk", "free_mail": False, "disposable": False,
            "role_address": False,
        }  # fmt: skip

    def test_free_role_and_disposable_addresses(self) -> None:
        assert proposed(email, email="info@gmail.com")["free_mail"] is True
        assert proposed(email, email="info@gmail.com")["role_address"] is True
        assert proposed(email, email="x@mailinator.com")["disposable"] is True

    def test_company_domain_is_the_registrable_domain_of_business_mail_only(self) -> None:
        assert email.business_domain("a@eu.mail.acme.co.uk") == "acme.co.uk"
        assert email.business_domain("a@sub.acme.com") == "acme.com"
        assert email.business_domain("a@gmail.com") is None
        assert email.business_domain("a@yopmail.com") is None


class TestCompany:
    def test_links_by_business_domain_when_no_company_is_set(self) -> None:
        assert proposed(company, email="ada@acme.com") == {"company": "acme.com"}
        assert proposed(company, email="ada@acme.com", company="c1") == {}
        assert proposed(company, email="ada@gmail.com") == {}

    def test_name_for_a_new_company(self) -> None:
        assert company.company_name("acme-robotics.co.uk") == "Acme Robotics"


class TestName:
    @pytest.mark.parametrize(
        ("full", "first", "last"),
        [
            ("Ada Lovelace", "Ada", "Lovelace"),
            ("Dr. Ada King-Lovelace PhD", "Ada", "King-Lovelace"),
            ("Lovelace, Ada", "Ada", "Lovelace"),
            ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
            ("Mary Jane Watson", "Mary Jane", "Watson"),
        ],
    )
    def test_splits_full_names(self, full: str, first: str, last: str) -> None:
        assert name.split_name(full) == (first, last)

    def test_from_a_custom_full_name(self) -> None:
        got = proposed(name, email="x@y.com", custom={"full_name": "Grace Hopper"})
        assert got == {"first_name": "Grace", "last_name": "Hopper"}

    def test_from_a_first_dot_last_mailbox(self) -> None:
        assert proposed(name, email="grace.hopper@navy.mil") == {
            "first_name": "Grace",
            "last_name": "Hopper",
        }
        assert proposed(name, email="info@navy.mil") == {}
        assert proposed(name, email="g.hopper@navy.mil") == {}

    def test_a_mailbox_that_contradicts_the_first_name_is_ignored(self) -> None:
        assert proposed(name, email="grace.hopper@navy.mil", first_name="Ada") == {}

    def test_nothing_when_both_names_are_known(self) -> None:
        assert proposed(name, email="a.b@c.com", first_name="A", last_name="B") == {}


class TestPhone:
    def test_national_number_with_the_country_becomes_e164(self) -> None:
        got = phone.propose({"phone": "030 1234567", "country": "DE"})
        assert [(p.field, p.value, p.normalizes) for p in got] == [("phone", "+49301234567", True)]

    def test_fills_the_country_from_an_international_number(self) -> None:
        assert proposed(phone, phone="+1 415 555 2671") == {
            "phone": "+14155552671",
            "country": "US",
        }

    def test_leaves_numbers_it_cannot_read(self) -> None:
        assert proposed(phone, phone="call me maybe") == {}
        assert proposed(phone, phone="030 1234567") == {}  # no country to read it with


class TestCountry:
    @pytest.mark.parametrize(
        ("text", "code"),
        [("Germany", "DE"), ("deutschland", "DE"), ("DEU", "DE"), ("Österreich", "AT"),
         ("U.S.A.", "US"), ("United Kingdom", "GB"), ("Schweiz", "CH"), ("Côte d'Ivoire", "CI"),
         ("fr", "FR")],
    )  # fmt: skip
    def test_names_and_codes(self, text: str, code: str) -> None:
        assert country_code(text) == code

    def test_unknown_names_stay(self) -> None:
        assert country_code("Narnia") is None
        assert proposed(country, country="Narnia") == {}

    def test_proposes_the_code_as_a_normalization(self) -> None:
        [p] = country.propose({"country": "Germany"})
        assert (p.value, p.normalizes) == ("DE", True)
        assert proposed(country, country="DE") == {}


class TestTitle:
    @pytest.mark.parametrize(
        ("text", "seniority", "department"),
        [
            ("CEO", "c_level", "executive"),
            ("Chief Marketing Officer", "c_level", "marketing"),
            ("Head of Sales", "head", "sales"),
            ("VP Engineering", "vp", "engineering"),
            ("Senior Software Engineer", "senior", "engineering"),
            ("Account Executive", None, "sales"),
            ("Assistant to the CEO", "entry", None),
            ("Leiterin Vertrieb", "head", "sales"),
            ("Werkstudent Data", "entry", "data"),
        ],
    )
    def test_classifies(self, text: str, seniority: str | None, department: str | None) -> None:
        got = proposed(title, title=text)
        assert (got.get("seniority"), got.get("department")) == (seniority, department)
