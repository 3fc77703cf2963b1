"""The audit log: reading it, and recording what a command did on the database.

On the local path `cli.runtime` records the calls named in `AUDITED` once they succeed, as
`cli` with the OS user's name; through the API the server's routes record them, as the key."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from accounts.audit import service
from accounts.audit.actions import Action
from accounts.audit.models import AuditEntry
from accounts.workspaces.models import Workspace
from cli.client.http import Api
from crm.db import Database

CLI_ACTOR = "cli"

# (client resource, method) -> the action its success records.
AUDITED: dict[tuple[str, str], Action] = {
    ("apikeys", "create"): Action.APIKEY_CREATE,
    ("apikeys", "revoke"): Action.APIKEY_REVOKE,
    ("contacts", "export"): Action.CONTACTS_EXPORT,
    ("contacts", "delete"): Action.CONTACT_DELETE,
    ("companies", "delete"): Action.COMPANY_DELETE,
    ("segments", "delete"): Action.SEGMENT_DELETE,
    ("schedules", "create"): Action.SCHEDULE_CREATE,
    ("schedules", "pause"): Action.SCHEDULE_PAUSE,
    ("schedules", "resume"): Action.SCHEDULE_RESUME,
    ("schedules", "delete"): Action.SCHEDULE_DELETE,
    ("campaigns", "approve"): Action.CAMPAIGN_APPROVE,
    ("campaigns", "run"): Action.CAMPAIGN_EXECUTE,
    ("campaigns", "resume"): Action.CAMPAIGN_RESUME,
    ("campaigns", "pause"): Action.CAMPAIGN_PAUSE,
    ("campaigns", "cancel"): Action.CAMPAIGN_CANCEL,
    ("pages", "publish"): Action.PAGE_PUBLISH,
    ("pages", "edit"): Action.PAGE_EDIT,
    ("workspaces", "create"): Action.WORKSPACE_CREATE,
    ("workspaces", "rename"): Action.WORKSPACE_RENAME,
    ("workspaces", "delete"): Action.WORKSPACE_DELETE,
}


def target_of(result: Any, args: tuple[Any, ...]) -> str:
    """The id of what the call returned (a created key, a deleted contact's id), else the ref
    it was given."""
    found = result if isinstance(result, str) else getattr(result, "id", None)
    if found is None and isinstance(result, dict):
        found = result.get("id")
    if found is None and args and isinstance(args[0], str):
        found = args[0]
    return str(found or "")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password database
        return ""


class Audit(Protocol):
    async def entries(self, since: datetime | None, limit: int) -> list[AuditEntry]:
        """Newest first, of the workspace the command works in."""

    async def record(self, action: Action, target: str) -> None: ...


@dataclass
class LocalAudit:
    system: Database
    workspace: Workspace

    async def entries(self, since: datetime | None, limit: int) -> list[AuditEntry]:
        return await service.entries(self.system, self.workspace.id, since=since, limit=limit)

    async def record(self, action: Action, target: str) -> None:
        await service.record(
            self.system,
            action.value,
            actor=CLI_ACTOR,
            actor_name=os_user(),
            workspace=self.workspace.id,
            target=action.target(target),
        )


@dataclass
class RemoteAudit:
    api: Api

    async def entries(self, since: datetime | None, limit: int) -> list[AuditEntry]:
        found = await self.api.get("audit", since=since.isoformat() if since else None, limit=limit)
        return [AuditEntry.model_validate(item) for item in found["items"]]

    async def record(self, action: Action, target: str) -> None:
        """The server's route has recorded it already, as the key the command used."""


class _Recorded:
    """A resource whose audited methods record their success."""

    def __init__(self, resource: Any, actions: dict[str, Action], log: Audit) -> None:
        self._resource, self._actions, self._log = resource, actions, log

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._resource, name)
        action = self._actions.get(name)
        if action is None:
            return method

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            result = await method(*args, **kwargs)
            await self._log.record(action, target_of(result, args))
            return result

        return recorded


class Watched:
    """A client whose calls named in `AUDITED` are recorded once they succeed."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, resource: str) -> Any:
        found = getattr(self._client, resource)
        actions = {method: a for (r, method), a in AUDITED.items() if r == resource}
        return _Recorded(found, actions, self._client.audit) if actions else found
