"""What the AI did and writes about contacts, on the database or through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cli.client.http import Api, seg
from crm.db import Database
from crm.llm_calls import service
from crm.llm_calls.models import LLMCall
from crm.llm_calls.service import gateway
from insights.summary import summarize
from kernel.settings import Settings


class Llm(Protocol):
    async def recent_calls(self, limit: int, run: str | None) -> list[LLMCall]: ...

    async def summarize(self, ref: str) -> dict[str, Any]:
        """An LLM-written summary of how a contact engaged, with the contact's id."""


@dataclass
class LocalLlm:
    db: Database
    settings: Settings

    async def recent_calls(self, limit: int, run: str | None) -> list[LLMCall]:
        return await service.recent_calls(self.db, limit=limit, run=run)

    async def summarize(self, ref: str) -> dict[str, Any]:
        contact_id, out = await summarize(self.db, ref, gateway(self.db, self.settings))
        return {"contact_id": contact_id, **out.model_dump(mode="json")}


@dataclass
class RemoteLlm:
    api: Api

    async def recent_calls(self, limit: int, run: str | None) -> list[LLMCall]:
        found = await self.api.get("llm/calls", limit=limit, run=run)
        return [LLMCall.model_validate(c) for c in found["items"]]

    async def summarize(self, ref: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.api.post(f"contacts/{seg(ref)}/summary")
        return found
