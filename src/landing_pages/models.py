"""Landing page records and what the API and CLI send to make or change one."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool, WithJsonSchema, field_validator

from llm_tools.landing_page import LandingPageSpec

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
SLUG_PATTERN = SLUG.pattern
# A slug as the API accepts it (`check_slug` trims and lowercases it, then enforces SLUG with
# its own message), declared in the OpenAPI schema.
Slug = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*[A-Za-z0-9](?:[A-Za-z0-9-]{0,78}[A-Za-z0-9])?\s*$",
            "description": "Stored lowercase.",
        }
    ),
]


class PageStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


def check_slug(value: str) -> str:
    value = value.strip().lower()
    if not SLUG.match(value):
        raise ValueError("slug must be 1-80 lowercase letters, digits and dashes (not at the ends)")
    return value


class LandingPage(BaseModel):
    id: str
    slug: str
    title: str
    campaign: str | None = Field(default=None, description="The campaign's id, if any.")
    spec: LandingPageSpec
    status: PageStatus = PageStatus.DRAFT
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None


class LandingPageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: LandingPageSpec
    slug: Slug | None = Field(default=None, description="Made from the headline when left out.")
    title: str | None = Field(default=None, max_length=200, description="Defaults to seo_title.")
    campaign: str | None = Field(default=None, max_length=64)
    publish: StrictBool = False

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return None if value is None else check_slug(value)


class LandingPageUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: LandingPageSpec | None = None
    slug: Slug | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return None if value is None else check_slug(value)


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign: str = Field(min_length=1, max_length=64, description="Campaign id.")
    slug: Slug | None = None
    audience: str | None = Field(default=None, max_length=500)
    publish: StrictBool = Field(
        default=False, description="Publish unseen (the CLI's --yes); else a draft to review."
    )

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return None if value is None else check_slug(value)


class Submission(BaseModel):
    """A valid form submission, ready to store."""

    email: str
    answers: dict[str, str | bool] = Field(default_factory=dict)
    utm: dict[str, str] = Field(default_factory=dict)
    consent: bool = Field(default=False, description="The page's consent box was ticked.")


class StoredSubmission(BaseModel):
    """A form submission as recorded: the contact's `form_submitted` event."""

    id: str
    at: datetime
    contact: str
    email: str | None = Field(default=None, description="The contact's email address now.")
    answers: dict[str, str | bool] = Field(default_factory=dict)
    utm: dict[str, str] = Field(default_factory=dict)
    consent: bool = False
    created: bool = Field(default=False, description="The submission created the contact.")


class SubmissionPage(BaseModel):
    items: list[StoredSubmission]
    next_cursor: str | None = None


class SubmitResult(BaseModel):
    contact_id: str
    created: bool


class SourceBrief(Protocol):
    """What a page needs of a campaign's brief (`campaigns.models.Brief`)."""

    @property
    def link(self) -> str | None: ...
    @property
    def voice(self) -> str | None: ...
    @property
    def audience(self) -> str | None: ...
    def as_text(self) -> str: ...


class SourceCampaign(Protocol):
    """What a page needs of a campaign (`campaigns.models.Campaign`; this package must not
    import campaigns, which sits on the same floor)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def sender_name(self) -> str | None: ...
    @property
    def channels(self) -> list[str]: ...
    @property
    def brief(self) -> SourceBrief: ...


class PageBrief(BaseModel):
    """What a page is written from; adapters fill it from a campaign (campaigns import this
    package, not the other way round)."""

    campaign_id: str | None = None
    name: str
    brief: str
    link: str | None = None
    voice: str | None = None
    sender_name: str | None = None
    audience: str | None = None
    # An email campaign's page asks for consent to email (an unticked box).
    consent_box: bool = False

    @classmethod
    def from_campaign(cls, campaign: SourceCampaign, *, audience: str | None = None) -> PageBrief:
        brief = campaign.brief
        return cls(
            campaign_id=campaign.id,
            name=campaign.name,
            brief=brief.as_text(),
            link=brief.link,
            voice=brief.voice,
            sender_name=campaign.sender_name,
            audience=audience or brief.audience,
            consent_box="email" in campaign.channels,
        )
