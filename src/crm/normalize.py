"""Normalizers shared by contacts and companies: email, phone, tags, custom-field keys.

email-validator and phonenumbers are imported by the functions that use them: importing them
costs more than a read command's query, and reads never call them."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints, WithJsonSchema

from kernel.errors import ValidationFailed

CUSTOM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CustomValue = str | int | float | bool | None


# A plain ASCII dot-atom local part, which email-validator accepts unchanged; anything else
# (quoted, internationalized, odd dots) takes the full validation.
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
MAX_LOCAL = 64
MAX_EMAIL = 254


@lru_cache(maxsize=65_536)
def _valid_domain(domain: str) -> str:
    """email-validator's verdict on a domain, remembered: lists repeat domains a lot, and the
    domain's IDNA checks are most of email-validator's cost."""
    from email_validator import validate_email

    return str(validate_email(f"a@{domain}", check_deliverability=False).domain).lower()


# An ASCII host name: labels of letters, digits and inner hyphens, 1-63 each, at least two.
# email-validator's verdict on such a domain (without "--", which marks Punycode and reserved
# labels, and at most 253 long) depends on its last label alone (a top-level domain ends with a
# letter, special-use names are single labels), so that label is what it checks: a list with
# a domain per company IDNA-checked each one, about 50 us a contact.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")
MAX_DOMAIN = 253


def _checked_domain(domain: str) -> str:
    from email_validator import EmailNotValidError

    lowered = domain.lower()
    if (
        domain.isascii()
        and len(lowered) <= MAX_DOMAIN
        and "--" not in lowered
        and _HOST_NAME.fullmatch(lowered)
    ):
        try:
            _valid_domain(f"a.{lowered.rpartition('.')[2]}")
        except EmailNotValidError:
            pass  # the whole domain's check says why
        else:
            return lowered
    return _valid_domain(domain)


def normalize_email(raw: str) -> str:
    """Trimmed, domain lower-cased, syntax-checked by email-validator (no DNS)."""
    from email_validator import EmailNotValidError, validate_email

    text = raw.strip()
    if not text:
        raise ValidationFailed("email is required")
    local, at, domain = text.rpartition("@")
    try:
        if at and len(local) <= MAX_LOCAL and len(text) <= MAX_EMAIL and _DOT_ATOM.match(local):
            return f"{local}@{_checked_domain(domain)}"
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(f"invalid email {text!r}: {exc}") from None
    return f"{result.local_part}@{result.domain.lower()}"


def email_key(email: str) -> str:
    """The uniqueness key: mailboxes are matched case-insensitively, as mail providers do."""
    return email.lower()


def normalize_phone(raw: str, country: str | None = None) -> str:
    """E.164 when the number parses and is valid (using the contact's country as a hint)."""
    import phonenumbers

    text = raw.strip()
    region = country.upper() if country and len(country) == 2 else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_tags(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = tag.strip().lower()
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def normalize_custom(custom: dict[str, Any]) -> dict[str, CustomValue]:
    out: dict[str, CustomValue] = {}
    for key, value in custom.items():
        if not CUSTOM_KEY.fullmatch(key):
            raise ValidationFailed(
                f"bad custom field name {key!r}: use lower-case letters, digits and _ "
                "(starting with a letter, at most 64 characters)"
            )
        if value is not None and not isinstance(value, str | int | float | bool):
            raise ValidationFailed(f"custom field {key!r} must be text, a number or true/false")
        out[key] = value
    return out


NAME_MAX = 200


# A name: at most NAME_MAX characters, not blank. The OpenAPI schema declares both (not blank:
# a character that is not white space); the model's validator says "cannot be blank" itself.
def _not_blank(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("cannot be blank")
    return text


# A name: trimmed, not blank, at most NAME_MAX characters.
NotBlank = Annotated[
    str,
    StringConstraints(max_length=NAME_MAX),
    AfterValidator(_not_blank),
    WithJsonSchema({"type": "string", "pattern": r"\S", "maxLength": NAME_MAX}),
]


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    return text or None


# No leading zeros: "02139" or "007" are identifiers (zip codes, ids), not numbers.
_INT = re.compile(r"-?(0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+")


def coerce_scalar(text: str) -> CustomValue:
    """A custom-field value typed on a command line or in a CSV cell: numbers and true/false
    become typed values (so segment rules can compare them), the rest stays text."""
    value = text.strip()
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def custom_field_value(value: Any) -> dict[str, CustomValue] | None:
    """`normalize_custom` for a pydantic validator: a bad key is a ValueError, so it is reported
    like any other bad field."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("custom must be an object")
    try:
        return normalize_custom(value)
    except ValidationFailed as exc:
        raise ValueError(exc.message) from None
