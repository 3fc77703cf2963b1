"""Every operation of the OpenAPI document declares its permission, and every role gets exactly
what `accounts.roles` gives it (walked from the document, not a hand list)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from accounts.apikeys import service as apikeys
from accounts.roles import PERMISSIONS, Permission, Role, allows
from accounts.workspaces.models import Workspace
from crm.db import Database
from openapi_ops import operations

# Public: hosted pages, tracking, unsubscribe, health, signing in and out (and resetting a
# password, when there is a route for it).
PUBLIC = re.compile(r"/health|/auth/(login|logout|reset|set-password)|/lp/.+|/t/.+|/unsubscribe/.+")


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _refused_for(answer: httpx.Response) -> str | None:
    """The permission a 403 names, if the answer is a role refusal."""
    if answer.status_code != 403 or "json" not in answer.headers.get("content-type", ""):
        return None
    error = answer.json().get("error", {})
    if error.get("code") != "forbidden":
        return None
    return str(error.get("details", {}).get("permission", "")) or None


def test_every_operation_declares_a_permission_and_only_public_ones_are_public(
    app: FastAPI,
) -> None:
    ops = operations(app)

    assert [str(o) for o in ops if o.permission is None] == []
    assert {o.permission for o in ops} <= {p.value for p in Permission}
    public = {str(o) for o in ops if o.permission == Permission.PUBLIC}
    assert public == {str(o) for o in ops if PUBLIC.fullmatch(o.path)}
    assert "GET /health" in public and "POST /auth/login" in public


async def test_each_role_is_refused_exactly_what_the_table_denies(
    app: FastAPI, client: httpx.AsyncClient, system: Database, main: Workspace
) -> None:
    keys = {role: (await apikeys.create(system, role.value, role, main)).key for role in Role}
    wrong = []

    for op in operations(app):
        url = op.url({name: "nope" for name in op.params})
        for role in Role:
            answer = await client.request(op.method, url, headers=_bearer(keys[role]))
            refused = _refused_for(answer)
            if op.permission == Permission.PUBLIC:
                ok = refused is None
            elif allows(role, Permission(op.permission or "")):
                ok = answer.status_code != 403
            else:
                ok = refused == op.permission
            if not ok:
                wrong.append(f"{op} as {role.value}: {answer.status_code} {answer.text[:120]}")

    assert wrong == []


def test_the_table_says_what_the_issue_says() -> None:
    assert not allows(Role.VIEWER, Permission.EXPORT)
    assert allows(Role.VIEWER, Permission.READ)
    for permission in (Permission.APPROVE, Permission.SEND, Permission.DELETE):
        assert not allows(Role.EDITOR, permission)
    assert allows(Role.EDITOR, Permission.WRITE)
    for permission in (Permission.APPROVE, Permission.SEND, Permission.EXPORT,
                       Permission.DELETE, Permission.SCHEDULE, Permission.API_KEYS):  # fmt: skip
        assert allows(Role.ADMIN, permission)
    assert not allows(Role.ADMIN, Permission.USERS)
    assert not allows(Role.ADMIN, Permission.WORKSPACE)
    assert PERMISSIONS[Role.OWNER] == frozenset(Permission) - {Permission.PUBLIC}


@pytest.mark.parametrize(
    ("role", "method", "path", "permission"),
    [
        (Role.VIEWER, "GET", "/api/v1/contacts/export", "export"),
        (Role.EDITOR, "POST", "/api/v1/campaigns/x/approve", "approve"),
        (Role.EDITOR, "POST", "/api/v1/campaigns/x/execute", "send"),
        (Role.EDITOR, "DELETE", "/api/v1/contacts/x", "delete"),
        (Role.EDITOR, "GET", "/api/v1/audit", "audit"),
        (Role.ADMIN, "GET", "/api/v1/apikeys", None),
        (Role.ADMIN, "POST", "/api/v1/campaigns/x/approve", None),
        (Role.OWNER, "DELETE", "/api/v1/contacts/x", None),
    ],
)
async def test_what_the_issue_says_each_role_may_do(
    client: httpx.AsyncClient,
    system: Database,
    main: Workspace,
    role: Role,
    method: str,
    path: str,
    permission: str | None,
) -> None:
    key = await apikeys.create(system, "k", role, main)

    answer = await client.request(method, path, headers=_bearer(key.key))

    if permission is None:
        assert answer.status_code != 403
    else:
        assert answer.status_code == 403
        assert _refused_for(answer) == permission
        assert role.value in answer.json()["error"]["message"]
