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
    four_eyes: bool = Field(
        default=False,
        description="A campaign's approver must differ from whoever last edited its assets.",
    )

    @property
    def is_default(self) -> bool:
        return self.id == DEFAULT_WORKSPACE
