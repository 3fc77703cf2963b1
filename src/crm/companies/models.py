"""Company data."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm.normalize import CustomValue, NotBlank, clean_text, custom_field_value
from crm.patching import NotNull

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_domain(raw: str) -> str:
    text = raw.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0].removeprefix("www.")
    if not _DOMAIN.match(text):
        raise ValueError(f"invalid domain {raw!r}")
    return text


def name_key(name: str) -> str:
    return " ".join(name.lower().split())


class CompanyFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str | None = None
    industry: str | None = None
    size: int | None = Field(default=None, ge=1, le=10_000_000, description="Employees.")
    country: str | None = None
    city: str | None = None
    custom: NotNull[dict[str, CustomValue]] = None

    @field_validator("domain", mode="after")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        text = clean_text(value)
        return normalize_domain(text) if text else None

    @field_validator("industry", "country", "city", mode="after")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return clean_text(value)

    @field_validator("custom", mode="before")
    @classmethod
    def _custom(cls, value: Any) -> Any:
        return custom_field_value(value)


class CompanyCreate(CompanyFields):
    name: NotBlank


class CompanyUpdate(CompanyFields):
    """Null clears an optional field (domain, industry, size, …); name and custom cannot be
    null."""

    name: NotNull[NotBlank] = None

    @field_validator("name", mode="after")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = clean_text(value)
        if not text:
            raise ValueError("name cannot be blank")
        return text


class Company(BaseModel):
    id: str
    name: str
    domain: str | None = None
    industry: str | None = None
    size: int | None = None
    country: str | None = None
    city: str | None = None
    custom: dict[str, CustomValue] = {}
    created_at: datetime
    updated_at: datetime
