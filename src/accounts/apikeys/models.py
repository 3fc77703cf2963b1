"""API key records; the key itself is shown once, when it is created."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, Field

from accounts.roles import Role

PREFIX_LENGTH = 10


def digest(key: str) -> str:
    """Keys are 256 random bits, so a fast hash is enough: nothing to brute-force."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKey(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    workspace: str = Field(description="The workspace the key works in (its id).")
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class NewApiKey(ApiKey):
    key: str = Field(description="The bearer token. Shown once; only its digest is stored.")
