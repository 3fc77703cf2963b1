"""`GET /api/v1/llm/calls`: the LLM call ledger of the caller's workspace, newest first (what
`crm llm calls` and the console's settings page show)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel

from accounts.roles import Permission
from api.permissions import requires
from api.tenancy import Db
from crm.llm_calls import service
from crm.llm_calls.models import LLMCall

router = APIRouter(prefix="/llm", tags=["llm"])


class CallList(BaseModel):
    items: list[LLMCall]


@router.get("/calls", response_model=CallList, **requires(Permission.READ))
async def list_calls(
    db: Db,
    limit: int = Query(default=50, ge=1, le=10000),
    run: str | None = Query(
        default=None, max_length=200, description="Only the calls of this run (a campaign's …)."
    ),
) -> CallList:
    return CallList(items=await service.recent_calls(db, limit=limit, run=run))
