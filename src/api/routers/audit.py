"""`GET /api/v1/audit`: the audit log of the caller's workspace, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, TypeAdapter, ValidationError

from accounts.audit import service
from accounts.audit.models import AuditEntry
from accounts.roles import Permission
from api.auth import Caller
from api.deps import System
from api.permissions import requires
from kernel.errors import ValidationFailed

router = APIRouter(prefix="/audit", tags=["audit"])
# Parsed from text of the ISO pattern only: pydantic takes a bare number for a Unix time.
_MOMENT = TypeAdapter(datetime)


class AuditList(BaseModel):
    items: list[AuditEntry]


@router.get("", response_model=AuditList, **requires(Permission.AUDIT))
async def list_audit(
    caller: Caller,
    system: System,
    since: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}-\d{2}-\d{2}",
            max_length=40,
            description="ISO time (UTC unless it says); default: any time.",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> AuditList:
    try:
        start = _MOMENT.validate_python(since) if since else None
    except ValidationError:
        raise ValidationFailed(f"since: {since!r} is not an ISO time") from None
    entries = await service.entries(system, caller.workspace.id, since=start, limit=limit)
    return AuditList(items=entries)
