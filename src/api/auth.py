"""Who is calling: a bearer API key (from `CRM_API_KEYS`, made with `crm apikeys create`, or
the per-process token `crm serve` leaves for `crm` commands on the same machine), else a
signed-in user's session cookie.

No key and no session: 401. A revoked key: 403. Each caller has its own rate limit (429 with
Retry-After). A key works in its own workspace with its own role; `CRM_API_KEYS` are admins of
the default workspace; the local token is an owner and may pick the workspace (header
`X-CRM-Workspace`).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accounts.apikeys import service as apikeys
from accounts.apikeys.models import digest
from accounts.principals import Principal
from accounts.roles import Role
from accounts.sessions import service as sessions
from accounts.workspaces.models import DEFAULT_WORKSPACE
from api.deps import AppState, State, System
from api.limits import retry_after_header
from crm.db import Database
from kernel.errors import Forbidden, NotFound, RateLimited, Unauthorized

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer crm_…`")
MAX_KEY_LENGTH = 200
WORKSPACE_HEADER = "X-CRM-Workspace"
SESSION_COOKIE = "crm_session"


def _configured(keys: str, given: str) -> tuple[str, str] | None:
    """The configured key's id and name."""
    given_bytes = given.encode("utf-8", "surrogatepass")
    found = None
    # Compare against every configured key, in constant time each: the answer's timing
    # tells nothing about how much of a key matched, nor which one.
    for n, key in enumerate(k.strip() for k in keys.split(",")):
        if key and hmac.compare_digest(key.encode("utf-8", "surrogatepass"), given_bytes):
            found = (f"env:{digest(key)[:12]}", f"CRM_API_KEYS[{n}]")
    return found


def _is_local(token: str, given: str) -> bool:
    """The token `crm serve` gave to `crm` commands on this machine (api.server_info)."""
    return bool(token) and hmac.compare_digest(
        token.encode(), given.encode("utf-8", "surrogatepass")
    )


async def _from_key(state: AppState, system: Database, given: str, chosen: str) -> Principal:
    if _is_local(state.local_token, given):
        found = await state.workspace(system, chosen or DEFAULT_WORKSPACE)
        if found is None:
            raise NotFound(f"no workspace {chosen!r}")
        return Principal(id="local", name="crm on this machine", role=Role.OWNER, workspace=found)
    configured = _configured(state.settings.api_keys, given)
    if configured is not None:
        ident, name = configured
        main = await state.workspace(system, DEFAULT_WORKSPACE)
        if main is None:
            raise NotFound("no default workspace")
        return Principal(id=ident, name=name, role=Role.ADMIN, workspace=main)
    stored = await apikeys.lookup(system, given)
    if stored is None:
        raise Unauthorized("unknown API key")
    key, workspace = stored
    if key.revoked:
        raise Forbidden("this API key has been revoked")
    return Principal(id=f"key:{key.id}", name=key.name, role=key.role, workspace=workspace)


async def _from_session(system: Database, token: str) -> Principal:
    found = await sessions.resolve(system, token)
    if found is None:
        raise Unauthorized("your session expired or you signed out: sign in again")
    user = found.session.user
    return Principal(
        id=f"user:{user}", name=found.email, role=found.role, workspace=found.workspace, user=user
    )


async def require_principal(
    request: Request,
    state: State,
    system: System,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    workspace: Annotated[
        str,
        Header(
            alias=WORKSPACE_HEADER,
            max_length=100,
            include_in_schema=False,
            description="For `crm` commands on the server's machine only.",
        ),
    ] = "",
) -> Principal:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if (credentials is None or not credentials.credentials) and cookie:
        principal = await _from_session(system, cookie)
    elif credentials is None or not credentials.credentials:
        raise Unauthorized("an API key is required: send `Authorization: Bearer <key>`")
    else:
        given = credentials.credentials.strip()
        if len(given) > MAX_KEY_LENGTH:
            raise Unauthorized("unknown API key")
        principal = await _from_key(state, system, given, workspace)
    wait = state.key_limiter.hit(principal.id)
    if wait:
        raise RateLimited(
            "too many requests for this API key; slow down",
            details={"retry_after": retry_after_header(wait)},
        )
    return principal


Caller = Annotated[Principal, Depends(require_principal)]
