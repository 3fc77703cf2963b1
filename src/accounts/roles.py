"""The one permission table: which role may do what. The API, the console and the CLI's remote
path all ask `allows`."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"
    OWNER = "owner"


class Permission(StrEnum):
    READ = "read"
    WRITE = "write"  # contacts, companies, segments, campaigns and their assets, pages, AI work
    TEST_SEND = "test_send"  # a campaign's email to one reviewer's address, no campaign state
    EXPORT = "export"
    DELETE = "delete"
    APPROVE = "approve"
    SEND = "send"  # run, pause, resume and cancel campaigns; publish pages
    SCHEDULE = "schedule"
    API_KEYS = "api_keys"
    AUDIT = "audit"
    USERS = "users"
    WORKSPACE = "workspace"
    PUBLIC = "public"  # hosted pages, tracking links, health: no caller needed


_VIEWER = {Permission.READ}
_EDITOR = _VIEWER | {Permission.WRITE, Permission.TEST_SEND}
_ADMIN = _EDITOR | {
    Permission.EXPORT,
    Permission.DELETE,
    Permission.APPROVE,
    Permission.SEND,
    Permission.SCHEDULE,
    Permission.API_KEYS,
    Permission.AUDIT,
}
_OWNER = _ADMIN | {Permission.USERS, Permission.WORKSPACE}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.EDITOR: frozenset(_EDITOR),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(_OWNER),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission is Permission.PUBLIC or permission in PERMISSIONS[role]


def lowest_role_with(permission: Permission) -> Role:
    return next(role for role in Role if allows(role, permission))
