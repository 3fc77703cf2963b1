"""Bearer API keys: from `CRM_API_KEYS`, made with `crm apikeys create` (stored hashed), or
the per-process token `crm serve` leaves for `crm` commands on the same machine.

No key: 401. A revoked key: 403. Each key has its own rate limit (429 with Retry-After).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import Db, State
from api.errors import Unauthorized
from api.limits import retry_after_header
from crm.apikeys import service
from crm.apikeys.models import digest
from kernel.errors import Forbidden, RateLimited

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer crm_…`")
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Principal:
    """Who is calling: an id for rate limits and logs (never the key itself)."""

    id: str
    name: str


def _configured(keys: str, given: str) -> Principal | None:
    given_bytes = given.encode("utf-8", "surrogatepass")
    found = None
    # Compare against every configured key, in constant time each: the answer's timing
    # tells nothing about how much of a key matched, nor which one.
    for n, key in enumerate(k.strip() for k in keys.split(",")):
        if key and hmac.compare_digest(key.encode("utf-8", "surrogatepass"), given_bytes):
            found = Principal(id=f"env:{digest(key)[:12]}", name=f"CRM_API_KEYS[{n}]")
    return found


def _local(token: str, given: str) -> Principal | None:
    """The token `crm serve` gave to `crm` commands on this machine (api.server_info)."""
    if token and hmac.compare_digest(token.encode(), given.encode("utf-8", "surrogatepass")):
        return Principal(id="local", name="crm on this machine")
    return None


async def require_key(
    state: State,
    db: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("an API key is required: send `Authorization: Bearer <key>`")
    given = credentials.credentials.strip()
    principal = None
    if len(given) <= MAX_KEY_LENGTH:
        principal = _local(state.local_token, given) or _configured(state.settings.api_keys, given)
        if principal is None:
            stored = await service.lookup(db, given)
            if stored is not None and stored.revoked:
                raise Forbidden("this API key has been revoked")
            if stored is not None:
                principal = Principal(id=f"key:{stored.id}", name=stored.name)
    if principal is None:
        raise Unauthorized("unknown API key")
    wait = state.key_limiter.hit(principal.id)
    if wait:
        raise RateLimited(
            "too many requests for this API key; slow down",
            details={"retry_after": retry_after_header(wait)},
        )
    return principal


Caller = Annotated[Principal, Depends(require_key)]
