"""User and membership records."""

from __future__ import annotations

from datetime import datetime

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
