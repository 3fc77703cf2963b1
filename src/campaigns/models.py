"""Campaign data, its state machine, assets, delivery records and sending controls."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, StrictBool, StrictFloat, field_validator

from crm.normalize import NotBlank
from kernel.errors import ValidationFailed
from scheduling.models import Run

EMAIL = "email"
WEBHOOK = "webhook"
SOCIAL_PLATFORMS = ("x", "linkedin", "facebook", "instagram")
CHANNELS = (EMAIL, WEBHOOK, *SOCIAL_PLATFORMS)
# Asset variant names: the segment-level asset, one per contact, and numbered social variants.
SEGMENT_VARIANT = "segment"
CONTACT_VARIANT_PREFIX = "contact:"


def is_social(channel: str) -> bool:
    return channel in SOCIAL_PLATFORMS


class State(StrEnum):
    DRAFT = "draft"
    GENERATING = "generating"
    REVIEW = "review"
    APPROVED = "approved"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


# `generating -> generating` resumes a generation that was interrupted; `failed -> generating`
# retries one that failed (a failed run never has approved deliveries, see executor);
# `failed -> review`: the assets a generation failed to write were written by hand.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.GENERATING, State.CANCELLED}),
    State.GENERATING: frozenset({State.GENERATING, State.REVIEW, State.FAILED, State.CANCELLED}),
    State.REVIEW: frozenset({State.GENERATING, State.APPROVED, State.CANCELLED}),
    State.APPROVED: frozenset({State.RUNNING, State.CANCELLED}),
    State.RUNNING: frozenset({State.PAUSED, State.COMPLETED, State.FAILED, State.CANCELLED}),
    State.PAUSED: frozenset({State.RUNNING, State.CANCELLED}),
    State.FAILED: frozenset({State.GENERATING, State.REVIEW}),
    State.COMPLETED: frozenset(),
    State.CANCELLED: frozenset(),
}


# A new round of a campaign schedule (campaigns.rounds) re-opens a completed campaign: the only
# way out of `completed`, so it is not in TRANSITIONS, where any caller could take it.
ROUND_TRANSITIONS: dict[State, frozenset[State]] = {
    State.APPROVED: frozenset({State.RUNNING}),
    State.COMPLETED: frozenset({State.RUNNING}),
}


def sources_of(target: State) -> list[State]:
    """The states from which `target` may be entered."""
    return [s for s, targets in TRANSITIONS.items() if target in targets]


def check_transition(current: State, target: State, *, new_round: bool = False) -> None:
    allowed_targets = (
        ROUND_TRANSITIONS.get(current, frozenset()) if new_round else TRANSITIONS[current]
    )
    if target not in allowed_targets:
        allowed = sorted(allowed_targets)
        raise ValidationFailed(
            f"cannot move a campaign from {current} to {target}"
            + (f"; allowed: {', '.join(allowed)}" if allowed else f": {current} is final"),
            details={"from": current, "to": target, "allowed": allowed},
        )


class Brief(BaseModel):
    goal: str = Field(min_length=1, description="What the campaign should achieve.")
    offer: str | None = None
    audience: str | None = Field(default=None, description="Notes about who receives it.")
    voice: str | None = Field(default=None, description="The brand voice.")
    call_to_action: str | None = None
    link: str | None = None

    def as_text(self) -> str:
        parts = [
            self.goal,
            f"Offer: {self.offer}" if self.offer else "",
            f"Audience: {self.audience}" if self.audience else "",
            f"Call to action: {self.call_to_action}" if self.call_to_action else "",
        ]
        return "\n".join(p for p in parts if p)


_WINDOW = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}


def parse_window(text: str) -> tuple[int, float] | None:
    """'1000/1h' -> (1000, 3600.0); '' -> None."""
    if not text.strip():
        return None
    match = _WINDOW.match(text)
    if not match:
        raise ValidationFailed(f"send window must look like 1000/1h, got {text!r}")
    period = int(match[2] or 1) * _UNIT[match[3]]
    return int(match[1]), float(period)


class Controls(BaseModel):
    """How fast one channel sends; per campaign, defaulting to settings."""

    concurrency: int = Field(default=8, ge=1, le=256)
    rate: float = Field(default=0.0, ge=0, description="Messages per second; 0 = no cap.")
    batch_size: int = Field(default=100, ge=1, le=1000)
    window: str = Field(default="", description="At most N messages per period: '500/1h'.")
    error_threshold: int = Field(default=20, ge=1)
    max_attempts: int = Field(default=3, ge=1, le=10)

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        try:
            parse_window(value)
        except ValidationFailed as exc:
            raise ValueError(exc.message) from None
        return value


class CampaignCreate(BaseModel):
    name: NotBlank
    brief: Brief
    segment: str = Field(min_length=1)
    channels: list[str] = Field(min_length=1)
    from_email: str | None = None
    sender_name: str | None = None
    personalize: StrictBool = False
    frequency_hours: StrictFloat | None = Field(
        default=None, ge=0, description="Per-contact email limit for this campaign; 0 = none."
    )
    config: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="channel -> controls and options (url, connector)."
    )

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(v.strip().lower() for v in value))
        unknown = [c for c in cleaned if c not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel {unknown[0]!r}; choose from {', '.join(CHANNELS)}")
        return cleaned


class Campaign(BaseModel):
    id: str
    name: str
    brief: Brief
    segment: str
    channels: list[str]
    state: State
    state_reason: str | None = None
    from_email: str | None = None
    sender_name: str | None = None
    personalize: bool = False
    frequency_hours: float | None = None
    config: dict[str, dict[str, Any]] = {}
    runner: dict[str, Any] | None = None
    members: int | None = None
    snapshot: str | None = None
    approved_at: datetime | None = None
    quality_override: str | None = None  # why it was approved despite quality findings
    scheduled_run: str | None = None
    created_at: datetime
    updated_at: datetime

    def controls(self, channel: str, defaults: Controls) -> Controls:
        own = {k: v for k, v in self.config.get(channel, {}).items() if k in Controls.model_fields}
        return Controls.model_validate({**defaults.model_dump(), **own})

    def option(self, channel: str, key: str, default: str = "") -> str:
        return str(self.config.get(channel, {}).get(key) or default)


class Asset(BaseModel):
    id: str
    campaign: str
    channel: str
    variant: str
    version: int
    content: dict[str, Any]
    model: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = None
    edited: bool = False
    edited_by: str | None = Field(default=None, description="Who made the hand edit.")
    created_at: datetime


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    # The send may or may not have happened (crash mid-send); a person decides.
    REVIEW = "review"


class Delivery(BaseModel):
    id: str
    campaign: str
    contact: str | None = None
    channel: str
    round: str = ""
    state: DeliveryState
    reason: str | None = None
    retryable: bool = False
    attempts: int = 0
    sent_at: datetime | None = None


class ReviewItem(BaseModel):
    """A delivery whose send outcome is unknown, as a person checking a mail log needs it."""

    id: str
    campaign: str
    channel: str
    contact: str | None = None
    email: str | None = None
    reason: str | None = None


class Counts(BaseModel):
    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    review: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sending + self.sent + self.failed + self.skipped + self.review


class Status(BaseModel):
    id: str
    name: str
    state: State
    state_reason: str | None = None
    queued: int
    sending: int
    sent: int
    failed: int
    skipped: int
    review: int
    total: int
    skip_reasons: dict[str, int]
    per_channel: dict[str, Counts]
    cost: float
    opened: int = 0
    clicked: int = 0
    runs: list[Run] = Field(default=[], description="Its latest scheduled runs, newest first.")
