"""Session records."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Session(BaseModel):
    id: str
    user: str
    workspace: str
    created_at: datetime
    expires_at: datetime
