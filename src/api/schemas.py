"""Response shapes shared by the routers: the error body, jobs, simple results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no contact 'abc'"])
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer."""
    text = {
        400: "Bad request",
        401: "Missing or unknown API key",
        403: "Revoked API key, or not allowed",
        404: "Not found",
        409: "Conflict with existing data",
        413: "Request body too large",
        422: "Invalid input",
        429: "Too many requests",
        502: "The language model failed",
        503: "Database unavailable",
    }
    return {s: {"model": ErrorBody, "description": text[s]} for s in statuses}


# What every authenticated route may answer besides its own statuses.
API_ERRORS = error_responses(400, 401, 403, 413, 422, 429)


class Job(BaseModel):
    id: str
    kind: str = Field(examples=["campaign.assets"])
    status: Literal["pending", "running", "done", "failed"]
    created_at: datetime
    finished_at: datetime | None = None
    result: Any = None
    error: ErrorDetail | None = None
    status_url: str = Field(examples=["/api/v1/jobs/3f2a..."])


class Deleted(BaseModel):
    id: str
    deleted: bool = True
