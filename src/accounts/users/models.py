"""User and membership records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from accounts.roles import Role


class User(BaseModel):
    id: str
    email: str = Field(examples=["ana@example.com"])
    created_at: datetime


class Membership(BaseModel):
    """A user's role in one workspace."""

    user: str
    email: str
    workspace: str
    role: Role
    pending: bool = Field(default=False, description="Invited; no password set yet.")


class PasswordMail(BaseModel):
    """An email with a link to set a password (an invitation or a reset)."""

    to: str
    purpose: Literal["invitation", "reset"]
    sent_via: str = Field(description='"smtp", or the outbox file it was written to.')
    expires_at: datetime


class Added(Membership):
    invitation: PasswordMail | None = Field(
        default=None, description="Sent when the user has no password yet."
    )
