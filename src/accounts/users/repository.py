"""All SurrealQL for the `user` and `membership` tables of the system database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.db import Database, plain, record
from crm.paging import is_safe_key

_USER = "id, email, created_at"
_MEMBERSHIP = "user, user.email AS email, workspace, role, (user.password_hash = NONE) AS pending"


async def create_user(db: Database, email: str, password_hash: str | None) -> dict[str, Any]:
    rows = await db.one(
        f"CREATE user CONTENT $row RETURN {_USER}",
        {"row": {"email": email, "password_hash": password_hash, "created_at": datetime.now(UTC)}},
    )
    return dict(plain(rows[0]))


async def by_email(db: Database, email: str) -> dict[str, Any] | None:
    """With the password hash, for signing in."""
    rows = await db.one(
        f"SELECT {_USER}, password_hash FROM user WHERE email = $e",  # noqa: S608 - constant field names; values bound
        {"e": email},
    )
    return dict(plain(rows[0])) if rows else None


async def get(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one(f"SELECT {_USER} FROM $id", {"id": record("user", key)})  # noqa: S608 - constant field names; values bound
    return dict(plain(rows[0])) if rows else None


async def set_password(db: Database, key: str, password_hash: str) -> None:
    await db.query(
        "UPDATE $id SET password_hash = $h", {"id": record("user", key), "h": password_hash}
    )


async def put_membership(db: Database, user: str, workspace: str, role: str) -> None:
    await db.query(
        "UPSERT membership SET user = $u, workspace = $w, role = $r "
        "WHERE user = $u AND workspace = $w",
        {"u": record("user", user), "w": record("workspace", workspace), "r": role},
    )


async def membership(db: Database, user: str, workspace: str) -> dict[str, Any] | None:
    rows = await db.one(
        f"SELECT {_MEMBERSHIP} FROM membership WHERE user = $u AND workspace = $w",  # noqa: S608 - constant field names; values bound
        {"u": record("user", user), "w": record("workspace", workspace)},
    )
    return dict(plain(rows[0])) if rows else None


async def memberships_of(db: Database, user: str) -> list[dict[str, Any]]:
    rows = await db.one(
        f"SELECT {_MEMBERSHIP} FROM membership WHERE user = $u",  # noqa: S608 - constant field names; values bound
        {"u": record("user", user)},
    )
    return [dict(plain(r)) for r in rows]


async def members(db: Database, workspace: str) -> list[dict[str, Any]]:
    rows = await db.one(
        f"SELECT {_MEMBERSHIP} FROM membership WHERE workspace = $w ORDER BY email",  # noqa: S608 - constant field names; values bound
        {"w": record("workspace", workspace)},
    )
    return [dict(plain(r)) for r in rows]


async def delete_membership(db: Database, user: str, workspace: str) -> None:
    await db.query(
        "DELETE membership WHERE user = $u AND workspace = $w;"
        "DELETE session WHERE user = $u AND workspace = $w;",
        {"u": record("user", user), "w": record("workspace", workspace)},
    )


async def set_link(db: Database, key: str, link_digest: str) -> None:
    """The digest of the one set-password link that works (a newer one replaces it)."""
    await db.query(
        "UPDATE $id SET password_link = $d", {"id": record("user", key), "d": link_digest}
    )


async def use_link(db: Database, key: str, link_digest: str, password_hash: str) -> bool:
    """Set the password if `link_digest` is the user's current link, and spend the link.
    False when it was used or replaced already."""
    rows = await db.one(
        "UPDATE $id SET password_hash = $h, password_link = NONE "
        "WHERE password_link = $d RETURN VALUE id",
        {"id": record("user", key), "d": link_digest, "h": password_hash},
    )
    return bool(rows)


async def current_link(db: Database, key: str) -> str | None:
    """The digest of the user's working set-password link, if any."""
    if not is_safe_key(key):
        return None
    rows = await db.one("SELECT VALUE password_link FROM $id", {"id": record("user", key)})
    return str(rows[0]) if rows and rows[0] else None
