"""Audit records. Nothing in them holds a password, a key or a token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEntry(BaseModel):
    id: str
    action: str = Field(examples=["campaign.approve"])
    actor: str = Field(description="`user:ID`, `key:ID`, `env:…`, `local` or `cli`.")
    actor_name: str = ""
    target: str = Field(default="", examples=["campaign:7x2k…"])
    workspace: str
    ip: str = ""
    at: datetime
    details: dict[str, Any] = Field(default_factory=dict)
