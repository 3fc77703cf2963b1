"""What the tools know about a contact, a company, a campaign and the brand.

Callers map their records onto these (the tools never read the database). Everything here
is rendered into prompts, so keep values short and human-readable.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

CustomValue = str | int | float | bool | None


class Brand(BaseModel):
    name: str
    voice: str = Field(
        default="friendly, clear and concise; no jargon, no hype",
        description="How the brand sounds, in a few words.",
    )


class Campaign(BaseModel):
    name: str
    brief: str = Field(description="What the campaign offers, to whom, and why now.")
    link: str | None = Field(default=None, description="Where readers should go (URL).")
    sender_name: str | None = Field(default=None, description="Who signs the message.")


class ContactProfile(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    title: str | None = None
    company: str | None = None
    country: str | None = None
    city: str | None = None
    tags: list[str] = Field(default_factory=list)
    custom: dict[str, CustomValue] = Field(default_factory=dict)


class CompanyProfile(BaseModel):
    name: str
    domain: str | None = None
    industry: str | None = None
    size: int | None = None
    country: str | None = None
    city: str | None = None
