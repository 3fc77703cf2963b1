"""Session records."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from accounts.roles import Role
from accounts.workspaces.models import Workspace


class Session(BaseModel):
    id: str
    user: str
    workspace: str
    created_at: datetime
    expires_at: datetime


class Resolved(BaseModel):
    """A live session with whom and where it signs in: the user's email, their role in the
    session's workspace, and that workspace."""

    session: Session
    email: str
    role: Role
    workspace: Workspace
