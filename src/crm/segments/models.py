"""Segment data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm.normalize import NotBlank, clean_text

Rule = str | dict[str, Any]
RULE_DESCRIPTION = "A rule in the filter language (docs/segments.md) or its JSON form"


def name_key(name: str) -> str:
    return " ".join(name.lower().split())


class SegmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NotBlank
    description: str | None = None
    rule: Rule = Field(description=RULE_DESCRIPTION)

    @field_validator("description", mode="after")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return clean_text(value)


class SegmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    rule: Rule | None = Field(default=None, description=RULE_DESCRIPTION)


class Segment(BaseModel):
    id: str
    name: str
    description: str | None = None
    rule: Rule
    created_at: datetime
    updated_at: datetime


class Snapshot(BaseModel):
    """A segment's members frozen at one moment (as a campaign takes them when it starts)."""

    id: str
    segment: str | None = Field(default=None, description="Segment id; None once deleted")
    segment_name: str
    rule: Rule
    count: int
    taken_at: datetime
