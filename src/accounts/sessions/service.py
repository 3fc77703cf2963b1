"""Start, find and end browser sessions. Only a digest of the token is stored; signing in
always starts a new session (a token known before the login is worth nothing after it)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from accounts.apikeys.models import digest
from accounts.sessions import repository
from accounts.sessions.models import Resolved, Session
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


async def resolve(system: Database, token: str, now: datetime | None = None) -> Resolved | None:
    """The live session of `token` with its user's email, role and workspace, in one query;
    None when unknown, expired, or its user, membership or workspace is gone."""
    if not token or len(token) > 100:
        return None
    row = await repository.live_resolved(system, digest(token), now or datetime.now(UTC))
    if row is None or None in (row["email"], row["role"], row["place"]):
        return None
    email, role, place = row.pop("email"), row.pop("role"), row.pop("place")
    return Resolved(session=Session.model_validate(row), email=email, role=role, workspace=place)


async def end(system: Database, token: str) -> None:
    if token and len(token) <= 100:
        await repository.delete(system, digest(token))
