"""Schedules, their occurrences (runs) and what a job reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, StrictBool, field_validator, model_validator


class Kind(StrEnum):
    CAMPAIGN = "campaign"
    ENRICHMENT = "enrichment"


class Missed(StrEnum):
    """What a worker does with an occurrence it finds past the misfire grace."""

    CATCH_UP = "catch_up"  # run it once, however many occurrences were missed
    SKIP = "skip"  # record it as skipped and wait for the next one


class ScheduleState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"  # a one-time schedule whose occurrence was claimed


class RunStatus(StrEnum):
    RUNNING = "running"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


FINISHED = frozenset(
    {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED, RunStatus.CANCELLED}
)


class Timing(BaseModel):
    """When a schedule runs and how; the body of `POST /campaigns/{id}/schedules`."""

    at: datetime | None = Field(
        default=None, description="Once, at this time: wall time in `tz` unless it has an offset."
    )
    cron: str | None = Field(
        default=None, description="Recurring: five-field cron read in `tz`, e.g. '0 9 * * MON'."
    )
    tz: str = Field(default="UTC", description="IANA time zone, e.g. Europe/Berlin.")
    missed: Missed = Field(
        default=Missed.CATCH_UP,
        description="When no worker was up at the due time: run once (catch_up) or skip.",
    )
    max_attempts: int = Field(default=3, ge=1, le=20, description="Tries per occurrence.")
    retry_seconds: float = Field(
        default=60.0, ge=0, description="Wait before the first retry (doubles each time)."
    )
    repeat: StrictBool = Field(
        default=False,
        description="Campaigns: every occurrence sends to every member; by default an "
        "occurrence sends only to members the campaign has not reached yet.",
    )

    @model_validator(mode="after")
    def _one_timing(self) -> Timing:
        if (self.at is None) == (self.cron is None):
            raise ValueError("give exactly one of `at` (once) or `cron` (recurring)")
        return self


class ScheduleCreate(Timing):
    kind: Kind = Kind.CAMPAIGN
    target: str = Field(description="The campaign id, or for enrichment a segment name.")

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _fits_kind(self) -> ScheduleCreate:
        if self.kind is Kind.CAMPAIGN and not self.target:
            raise ValueError("a campaign schedule needs the campaign id")
        if self.repeat and self.kind is not Kind.CAMPAIGN:
            raise ValueError("only a campaign schedule can repeat")
        return self


class Schedule(BaseModel):
    id: str
    kind: Kind
    target: str
    at: datetime | None = None
    cron: str | None = None
    tz: str
    missed: Missed
    max_attempts: int
    retry_seconds: float
    repeat: bool = False
    state: ScheduleState
    next_due_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class Run(BaseModel):
    """One occurrence of a schedule: when it was due and what its execution did."""

    id: str
    schedule: str
    kind: Kind
    target: str
    due_at: datetime
    repeat: bool = False
    late: bool = False
    status: RunStatus
    owner: str | None = None
    lease_until: datetime | None = None
    attempts: int = 0
    failures: int = 0
    max_attempts: int = 3
    retry_seconds: float = 60.0
    retry_at: datetime | None = None
    claimed_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counts: dict[str, int] = {}
    cost: float | None = None
    error: str | None = None
    workers: list[str] = []

    @property
    def resuming(self) -> bool:
        """An earlier attempt may have done part of the work: the job must resume, not restart."""
        return self.attempts > 1


class RunOutcome(BaseModel):
    """What a job reports back; a job that fails raises instead."""

    counts: dict[str, int] = {}
    cost: float | None = None

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> RunOutcome:
        """Integer fields of an executor or enrichment report become counts; `cost` is kept."""
        counts = {k: v for k, v in report.items() if isinstance(v, int) and not isinstance(v, bool)}
        cost = report.get("cost")
        return cls(counts=counts, cost=float(cost) if isinstance(cost, int | float) else None)
