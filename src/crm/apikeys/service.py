"""Create, list, revoke and check API keys."""

from __future__ import annotations

import hmac
import secrets

from crm.apikeys import repository
from crm.apikeys.models import PREFIX_LENGTH, ApiKey, NewApiKey, digest
from crm.db import Database
from kernel.errors import NotFound, ValidationFailed

KEY_PREFIX = "crm_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create(db: Database, name: str) -> NewApiKey:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("an API key needs a name of 1 to 100 characters")
    key = new_key()
    row = {"name": name, "prefix": key[:PREFIX_LENGTH], "digest": digest(key)}
    stored = await repository.create(db, row)
    return NewApiKey.model_validate(stored | {"key": key})


async def list_keys(db: Database) -> list[ApiKey]:
    return [ApiKey.model_validate(r) for r in await repository.all_keys(db)]


async def revoke(db: Database, ref: str) -> ApiKey:
    """By id or by the prefix `crm apikeys list` shows."""
    row = await repository.get(db, ref)
    if row is None:
        matches = await repository.by_prefix(db, ref)
        if len(matches) > 1:
            raise ValidationFailed(f"prefix {ref!r} matches several keys; use the id")
        row = matches[0] if matches else None
    if row is None:
        raise NotFound(f"no API key {ref!r}")
    return ApiKey.model_validate(await repository.revoke(db, row["id"]))


async def lookup(db: Database, key: str) -> ApiKey | None:
    """The stored key whose digest matches `key` (revoked or not), or None."""
    wanted = digest(key)
    row = await repository.by_digest(db, wanted)
    # The index finds the row; the digests are compared again in constant time so the answer
    # never depends on how many leading characters matched.
    if row is None or not hmac.compare_digest(row["digest"], wanted):
        return None
    return ApiKey.model_validate(row)
