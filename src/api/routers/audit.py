"""`GET /api/v1/audit`: the audit log of the caller's workspace, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from accounts.audit import service
from accounts.audit.models import AuditEntry
from accounts.roles import Permission
from api.auth import Caller
from api.deps import System
from api.permissions import requires

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditList(BaseModel):
    items: list[AuditEntry]


@router.get("", response_model=AuditList, **requires(Permission.AUDIT))
async def list_audit(
    caller: Caller,
    system: System,
    since: Annotated[
        datetime | None, Query(description="ISO time (UTC unless it says); default: any time.")
    ] = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> AuditList:
    entries = await service.entries(system, caller.workspace.id, since=since, limit=limit)
    return AuditList(items=entries)
