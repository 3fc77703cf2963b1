"""Contact data and its lifecycle state machine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crm.contacts import provenance
from crm.normalize import (
    CustomValue,
    clean_text,
    custom_field_value,
    normalize_email,
    normalize_phone,
    normalize_tags,
)
from crm.patching import NotNull
from kernel.errors import ValidationFailed


class Status(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    ENGAGED = "engaged"
    QUALIFIED = "qualified"
    CUSTOMER = "customer"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


FUNNEL = [Status.NEW, Status.CONTACTED, Status.ENGAGED, Status.QUALIFIED, Status.CUSTOMER]
NOT_SENDABLE = frozenset({Status.UNSUBSCRIBED, Status.BOUNCED})
# What a contact's `search_key` holds; a search looks in it and in the email key.
SEARCHED = frozenset({"first_name", "last_name"})


def search_key(contact: Mapping[str, Any]) -> str:
    """The lower-cased names, one per line (a search text holds no line break, so it is found
    only where one of them holds it). Keys written before issue 14's bytes diet start with the
    email key too, which the search tests anyway."""
    first, last = contact.get("first_name") or "", contact.get("last_name") or ""
    return f"{first.lower()}\n{last.lower()}"


def with_search_key(before: Mapping[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` to a contact and, when they change what a search looks in, its new key."""
    if SEARCHED.isdisjoint(changes):
        return changes
    return {**changes, "search_key": search_key({**before, **changes})}


def check_transition(current: Status, target: Status) -> None:
    """Forward through the funnel (steps may be skipped); any sendable status may end in
    unsubscribed or bounced; those two are terminal."""
    if current == target:
        return
    if current in NOT_SENDABLE:
        raise ValidationFailed(
            f"cannot change status from {current} to {target}: {current} is terminal "
            "(the contact must opt in again through a form)",
            details={"from": current, "to": target},
        )
    if target in NOT_SENDABLE:
        return
    if FUNNEL.index(target) < FUNNEL.index(current):
        allowed = [s.value for s in FUNNEL[FUNNEL.index(current) + 1 :]] + [
            s.value for s in NOT_SENDABLE
        ]
        raise ValidationFailed(
            f"cannot move a contact back from {current} to {target}; allowed: "
            + ", ".join(allowed),
            details={"from": current, "to": target, "allowed": allowed},
        )


class ContactFields(BaseModel):
    """Everything a user may set on a contact; shared by create, update and import."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    title: str | None = None
    company: str | None = Field(default=None, description="Company name (linked record)")
    country: str | None = None
    city: str | None = None
    tags: NotNull[list[str]] = None
    custom: NotNull[dict[str, CustomValue]] = None

    @field_validator("first_name", "last_name", "title", "company", "city", "phone", mode="after")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return clean_text(value)

    @field_validator("country", mode="after")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        text = clean_text(value)
        return text.upper() if text and len(text) == 2 else text

    @field_validator("tags", mode="after")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else normalize_tags(value)

    @field_validator("custom", mode="before")
    @classmethod
    def _custom(cls, value: Any) -> Any:
        return custom_field_value(value)

    @model_validator(mode="after")
    def _phone(self) -> ContactFields:
        if self.phone:
            self.phone = normalize_phone(self.phone, self.country)
        return self


class ConsentRecord(BaseModel):
    """Explicit consent as given: the box the person ticked (its text, and a version that
    changes with the text), when, on which page, from which address."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    version: str = Field(min_length=1, max_length=64)
    at: datetime
    page: str = Field(min_length=1, max_length=200)
    ip: str = Field(min_length=1, max_length=64)

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: Any) -> Any:
        # As the schema says: a date-time, not a number of seconds.
        if isinstance(value, int | float):
            raise ValueError("at must be a date-time like 2026-05-01T09:30:00Z")
        return value


class ContactCreate(ContactFields):
    email: str
    source: str = "manual"
    source_detail: str | None = None
    status: Status = Status.NEW
    consent: ConsentRecord | None = Field(
        default=None,
        description="Explicit consent given elsewhere (the box's text, version, time, page, "
        "IP). Without one the contact has no explicit consent.",
    )

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: Any) -> str:
        try:
            return normalize_email(str(value))
        except ValidationFailed as exc:
            raise ValueError(exc.message) from None


class ContactUpdate(ContactFields):
    """Null clears an optional field (a name, the company, the phone, …); email, status,
    tags and custom cannot be null (`"tags": []` clears the tags)."""

    email: NotNull[str] = None
    status: NotNull[Status] = None

    @field_validator("email", mode="after")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalize_email(value)
        except ValidationFailed as exc:
            raise ValueError(exc.message) from None


class FieldProvenance(BaseModel):
    """Where an enriched value came from."""

    enricher: str
    at: datetime
    confidence: float
    reason: str
    value: Any
    previous: Any = Field(default=None, description="The value it replaced, if any")


class Contact(BaseModel):
    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    title: str | None = None
    company: str | None = Field(default=None, description="Company id")
    company_name: str | None = None
    country: str | None = None
    city: str | None = None
    tags: list[str] = []
    source: str = "manual"
    source_detail: str | None = None
    custom: dict[str, CustomValue] = {}
    status: Status = Status.NEW
    consent_source: str = "manual"
    consent_explicit: bool = Field(default=False, description="True only with a `consent` record.")
    consent_at: datetime | None = None
    consent: ConsentRecord | None = None
    # Filled in by `crm enrich` (crm.enrichment); `enrichment` says, per field, which enricher
    # set the value, when, how confident it was and why (stored compactly, see
    # crm.contacts.provenance).
    email_domain: str | None = None
    free_mail: bool | None = None
    role_address: bool | None = None
    disposable: bool | None = None
    seniority: str | None = None
    department: str | None = None
    enrichment: dict[str, FieldProvenance] = {}
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _unstored(cls, value: Any) -> Any:
        """A contact does not store what equals another field (`crm.contacts.service.new_row`):
        its consent source until it differs from its source, its update time until it is
        updated. A projection that names them reads them as None."""
        if isinstance(value, Mapping) and (
            value.get("consent_source") is None or value.get("updated_at") is None
        ):
            value = dict(value)
            if value.get("consent_source") is None:
                value["consent_source"] = value.get("source") or "manual"
            if value.get("updated_at") is None and "created_at" in value:
                value["updated_at"] = value["created_at"]
        return value

    @field_validator("enrichment", mode="before")
    @classmethod
    def _enrichment(cls, value: Any) -> Any:
        if isinstance(value, dict) and provenance.is_log(value):
            return provenance.current(value)
        return value

    @property
    def sendable(self) -> bool:
        return self.status not in NOT_SENDABLE


class TimelineEvent(BaseModel):
    kind: str
    at: datetime
    data: dict[str, Any] = {}


class Page(BaseModel):
    items: list[Contact]
    next_cursor: str | None = None
