"""Record and read the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from accounts.audit import repository
from accounts.audit.models import AuditEntry
from crm.db import Database


async def record(
    system: Database,
    action: str,
    *,
    actor: str,
    workspace: str,
    actor_name: str = "",
    target: str = "",
    ip: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Callers pass ids and names only, never secrets."""
    row = {
        "action": action,
        "actor": actor,
        "actor_name": actor_name,
        "target": target,
        "workspace": workspace,
        "ip": ip,
        "at": datetime.now(UTC),
        "details": details or {},
    }
    return AuditEntry.model_validate(await repository.append(system, row))


async def entries(
    system: Database, workspace: str, *, since: datetime | None = None, limit: int = 100
) -> list[AuditEntry]:
    """Newest first; a `since` without a time zone is UTC."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    rows = await repository.since(system, workspace, since, limit)
    return [AuditEntry.model_validate(r) for r in rows]
