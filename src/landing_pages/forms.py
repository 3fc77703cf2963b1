"""The landing page form: a signed form token (anti-CSRF and minimum fill time), a honeypot,
and validation against the page's own fields."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from crm.normalize import normalize_email, normalize_phone
from kernel.errors import ValidationFailed
from landing_pages.models import Submission
from llm_tools.landing_page import MAX_FIELDS, FormField, LandingPageSpec

TOKEN_FIELD = "_form"  # noqa: S105 - a form field name, not a secret
# Named like a field people skip but form-filling bots love; hidden by CSS, not by `type`.
HONEYPOT_NAMES = ("website", "homepage", "web_address")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_AGE_SECONDS = 24 * 3600
MAX_TEXT = 200
MAX_TEXTAREA = 5000
MAX_UTM = 100
# Form fields whose values go onto the contact (only where the contact has none yet).
CONTACT_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "phone": "phone",
    "title": "title",
    "job_title": "title",
    "company": "company",
    "country": "country",
    "city": "city",
}
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,28}[0-9]$")
CONSENT_WORDS = ("consent", "opt_in", "optin", "subscribe", "marketing", "agree")


def honeypot_name(spec: LandingPageSpec) -> str:
    names = {f.name for f in spec.form_fields}
    return next(n for n in HONEYPOT_NAMES if n not in names)


# The box a generated page for an email campaign gets when the model wrote none.
CONSENT_BOX = FormField(
    name="email_consent",
    label="Yes, email me about this. I can unsubscribe at any time.",
    type="checkbox",
    required=False,
)


def consent_field(spec: LandingPageSpec) -> FormField | None:
    """The page's consent box: a checkbox named for consent (`email_consent`, `opt_in`, …)."""
    for f in spec.form_fields:
        if f.type == "checkbox" and any(w in f.name for w in CONSENT_WORDS):
            return f
    return None


def with_consent_box(spec: LandingPageSpec) -> LandingPageSpec:
    """The spec with an (unticked) consent box; the last fields other than the email make
    room for it on a full form."""
    if consent_field(spec) is not None:
        return spec
    fields = list(spec.form_fields)
    while len(fields) >= MAX_FIELDS:
        fields.remove(next(f for f in reversed(fields) if f.type != "email"))
    return LandingPageSpec.model_validate(
        {**spec.model_dump(), "form_fields": [*fields, CONSENT_BOX]}
    )


def consent_version(text: str) -> str:
    """Names the wording of a consent box: a new text is a new version."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:12]


def _sign(secret: bytes, slug: str, issued: int) -> str:
    mac = hmac.new(secret, f"lp-form|{slug}|{issued}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def form_token(secret: bytes, slug: str, now: float) -> str:
    issued = int(now)
    return f"{issued}.{_sign(secret, slug, issued)}"


class TokenCheck(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"
    TOO_FAST = "too_fast"


def check_token(
    secret: bytes, slug: str, token: str, now: float, *, min_seconds: float
) -> TokenCheck:
    issued_text, _, signature = token.partition(".")
    if not issued_text.isdigit() or len(issued_text) > 12 or not signature:
        return TokenCheck.INVALID
    issued = int(issued_text)
    if not hmac.compare_digest(_sign(secret, slug, issued).encode(), signature.encode()):
        return TokenCheck.INVALID
    age = now - issued
    if age > MAX_AGE_SECONDS or age < -60:
        return TokenCheck.EXPIRED
    if age < min_seconds:
        return TokenCheck.TOO_FAST
    return TokenCheck.OK


@dataclass
class Validated:
    submission: Submission | None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def _utm(form: Mapping[str, str]) -> dict[str, str]:
    utm = {}
    for name in UTM_FIELDS:
        value = " ".join(str(form.get(name, "")).split())[:MAX_UTM]
        if value and value.isprintable():
            utm[name.removeprefix("utm_")] = value
    return utm


def validate(spec: LandingPageSpec, form: Mapping[str, str]) -> Validated:
    """Check each of the page's fields; unknown fields are ignored."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    answers: dict[str, str | bool] = {}
    email = ""
    for f in spec.form_fields:
        raw = str(form.get(f.name, ""))
        if f.type == "checkbox":
            checked = raw not in ("", "0", "false", "off")
            values[f.name] = "on" if checked else ""
            if f.required and not checked:
                errors[f.name] = "Please tick this box to continue."
            answers[f.name] = checked
            continue
        text = raw.strip() if f.type == "textarea" else " ".join(raw.split())
        values[f.name] = text[:MAX_TEXTAREA]
        limit = MAX_TEXTAREA if f.type == "textarea" else MAX_TEXT
        if not text:
            if f.required:
                errors[f.name] = "This field is required."
            continue
        if len(text) > limit:
            errors[f.name] = f"Please keep this under {limit} characters."
            continue
        if any(not (c.isprintable() or c in "\n\r\t") for c in text):
            errors[f.name] = "This contains characters we cannot accept."
            continue
        if f.type == "email":
            try:
                text = normalize_email(text)
            except ValidationFailed:
                errors[f.name] = "Please enter a valid email address."
                continue
            email = email or text
        elif f.type == "tel":
            if not _PHONE.match(text):
                errors[f.name] = "Please enter a valid phone number, with its country code."
                continue
            text = normalize_phone(text)
        answers[f.name] = text
    if errors:
        return Validated(None, errors, values)
    consent = consent_field(spec)
    return Validated(
        Submission(
            email=email,
            answers=answers,
            utm=_utm(form),
            consent=bool(consent and answers.get(consent.name)),
        ),
        values=values,
    )
