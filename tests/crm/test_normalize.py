"""Normalizers: email, phone, tags, custom fields and typed custom values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.normalize import (
    coerce_scalar,
    email_key,
    normalize_custom,
    normalize_email,
    normalize_phone,
    normalize_tags,
)
from kernel.errors import ValidationFailed

FAST = settings(max_examples=50, deadline=None)

# Dot-separated atoms: two dots in a row (or one at either end) are not an address.
local_parts = st.lists(st.from_regex(r"\A[A-Za-z0-9_%+-]{1,7}\Z"), min_size=1, max_size=3).map(
    ".".join
)
domains = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,10}[A-Za-z0-9]\.(com|ORG|De|example)\Z")


class TestEmail:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("ada@example.com", "ada@example.com"),
            ("  Ada@Example.COM \n", "Ada@example.com"),
            ("first.last+tag@Sub.Example.org", "first.last+tag@sub.example.org"),
        ],
    )
    def test_trims_and_lower_cases_the_domain_only(self, raw: str, expected: str) -> None:
        assert normalize_email(raw) == expected

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@@example.com",
            "a b@example.com",
            "ada@example",
            "ada@exa mple.com",
            "ada@-example.com",
            f"ada@{'a' * 64}.com",
            "ada@mail.local",
            "ada@host.123",
            "ada@ab--cd.com",
        ],
    )
    def test_rejects_what_is_not_an_address(self, raw: str) -> None:
        with pytest.raises(ValidationFailed):
            normalize_email(raw)

    def test_the_error_names_the_address(self) -> None:
        with pytest.raises(ValidationFailed, match="not-an-email"):
            normalize_email("not-an-email")

    def test_does_not_need_the_network(self) -> None:
        # A syntactically valid domain that cannot exist still passes: no DNS lookups.
        assert normalize_email("x@no-such-host-7f3a9.com") == "x@no-such-host-7f3a9.com"

    def test_case_variants_share_one_key(self) -> None:
        keys = {email_key(normalize_email(e)) for e in ("Ada@Example.com", "ADA@example.COM")}
        assert keys == {"ada@example.com"}

    @FAST
    @given(local=local_parts, domain=domains, pad=st.sampled_from(["", " ", "\t", " \n"]))
    def test_valid_addresses_keep_their_mailbox_and_lower_case_the_domain(
        self, local: str, domain: str, pad: str
    ) -> None:
        assert normalize_email(f"{pad}{local}@{domain}{pad}") == f"{local}@{domain.lower()}"

    @FAST
    @given(st.one_of(st.text(), st.builds("{}@{}".format, st.text(), st.text())))
    def test_any_text_is_normalized_idempotently_or_refused_as_validation_failed(
        self, raw: str
    ) -> None:
        try:
            once = normalize_email(raw)
        except ValidationFailed:
            return
        assert normalize_email(once) == once
        domain = once.rpartition("@")[2]
        assert domain == domain.lower()
        assert once == once.strip()

    @settings(max_examples=400, deadline=None)
    @given(
        labels=st.lists(st.from_regex(r"\A[A-Za-z0-9-]{0,8}\Z"), min_size=1, max_size=4),
        top=st.sampled_from(
            ["com", "De", "example", "arpa", "local", "Test", "onion", "123", "x1", "1x", "-a", ""]
        ),
    )
    def test_a_plain_domain_is_judged_as_email_validator_judges_it(
        self, labels: list[str], top: str
    ) -> None:
        # Plain ASCII domains skip email-validator's per-domain checks (crm.normalize): the
        # verdict and the stored form stay its own.
        from email_validator import EmailNotValidError, validate_email

        domain = ".".join([*labels, top])
        try:
            expected = f"ada@{validate_email(f'ada@{domain}', check_deliverability=False).domain}"
        except EmailNotValidError:
            with pytest.raises(ValidationFailed):
                normalize_email(f"ada@{domain}")
            return
        assert normalize_email(f"ada@{domain}") == expected.lower()


class TestPhone:
    @pytest.mark.parametrize(
        ("raw", "country", "expected"),
        [
            ("020 7946 0018", "GB", "+442079460018"),
            ("020 7946 0018", "gb", "+442079460018"),
            ("+1 650-253-0000", None, "+16502530000"),
            ("(650) 253-0000", "US", "+16502530000"),
            ("+44 20 7946 0018", "US", "+442079460018"),
        ],
    )
    def test_parseable_numbers_become_e164(
        self, raw: str, country: str | None, expected: str
    ) -> None:
        assert normalize_phone(raw, country) == expected

    @pytest.mark.parametrize(
        ("raw", "country"),
        [("650-253-0000", None), ("call me maybe", "US"), ("12", "GB"), ("ext. 42", None)],
    )
    def test_anything_else_is_kept_as_typed(self, raw: str, country: str | None) -> None:
        assert normalize_phone(f"  {raw} ", country) == raw


class TestTagsAndCustom:
    def test_tags_are_trimmed_lower_cased_and_deduplicated_in_order(self) -> None:
        assert normalize_tags([" VIP", "news", "vip ", "", "  ", "News"]) == ["vip", "news"]

    def test_custom_fields_keep_scalar_values(self) -> None:
        custom = {"plan": "pro", "seats": 3, "mrr": 9.5, "trial": False, "note": None}
        assert normalize_custom(custom) == custom

    @pytest.mark.parametrize(
        "key", ["Plan", "1plan", "_plan", "plan-type", "plan type", "", "p" * 65, "plan\n", "é"]
    )
    def test_bad_custom_field_names_are_refused(self, key: str) -> None:
        with pytest.raises(ValidationFailed, match="bad custom field name"):
            normalize_custom({key: 1})

    def test_custom_values_must_be_scalars(self) -> None:
        with pytest.raises(ValidationFailed, match="plan"):
            normalize_custom({"plan": {"nested": 1}})


class TestCoerceScalar:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("42", 42),
            (" -7 ", -7),
            ("0", 0),
            ("2.5", 2.5),
            ("true", True),
            ("FALSE", False),
            ("pro", "pro"),
            ("", ""),
            # Identifiers that look like numbers keep their leading zeros.
            ("02139", "02139"),
            ("007", "007"),
            ("1e5", "1e5"),
        ],
    )
    def test_numbers_and_booleans_are_typed_the_rest_stays_text(
        self, text: str, expected: object
    ) -> None:
        value = coerce_scalar(text)
        assert value == expected
        assert type(value) is type(expected)

    @FAST
    @given(st.integers(min_value=-(10**17), max_value=10**17))
    def test_integers_read_back_as_themselves(self, n: int) -> None:
        assert coerce_scalar(str(n)) == n
