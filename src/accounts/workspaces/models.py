"""Workspace records."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

DEFAULT_WORKSPACE = "main"


class Workspace(BaseModel):
    id: str = Field(examples=["main"])
    name: str = Field(examples=["main"])
    database: str = Field(description="The SurrealDB database holding its data.")
    created_at: datetime

    @property
    def is_default(self) -> bool:
        return self.id == DEFAULT_WORKSPACE
