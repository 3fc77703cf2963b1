"""Who is calling, in which workspace, with which role."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.roles import Permission, Role, allows
from accounts.workspaces.models import Workspace

# Who local `crm` commands act as, in the audit log and the four-eyes rule.
CLI_ACTOR = "cli"


@dataclass(frozen=True)
class Principal:
    """`id` names the caller in rate limits and the audit log (never a secret): `key:ID`,
    `env:DIGEST`, `user:ID` or `local`."""

    id: str
    name: str
    role: Role
    workspace: Workspace
    user: str | None = None

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)
