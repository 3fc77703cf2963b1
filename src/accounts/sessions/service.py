"""Start, find and end browser sessions. Only a digest of the token is stored; signing in
always starts a new session (a token known before the login is worth nothing after it)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from accounts.apikeys.models import digest
from accounts.sessions import repository
from accounts.sessions.models import Session
from crm.db import Database


async def start(
    system: Database, user: str, workspace: str, *, hours: float, now: datetime | None = None
) -> tuple[str, Session]:
    """A new session; returns the token for the cookie, and the record."""
    now = now or datetime.now(UTC)
    await repository.delete_expired(system, user, now)
    token = secrets.token_urlsafe(32)
    row = {
        "digest": digest(token),
        "user": user,
        "workspace": workspace,
        "created_at": now,
        "expires_at": now + timedelta(hours=hours),
    }
    return token, Session.model_validate(await repository.create(system, row))


async def find(system: Database, token: str, now: datetime | None = None) -> Session | None:
    """The live session of `token`; None when unknown or expired."""
    if not token or len(token) > 100:
        return None
    row = await repository.live(system, digest(token), now or datetime.now(UTC))
    return Session.model_validate(row) if row else None


async def end(system: Database, token: str) -> None:
    if token and len(token) <= 100:
        await repository.delete(system, digest(token))
