"""Set-password links: sent in an invitation or on a reset request, each one working once and
until it expires; a newer link replaces the one before."""

from __future__ import annotations

from datetime import UTC, datetime

from accounts.apikeys.models import digest
from accounts.audit import service as audit
from accounts.users import mail, repository, tokens
from accounts.users import service as users
from accounts.users.models import PasswordMail, User
from accounts.users.passwords import hash_password
from accounts.users.tokens import Link, Purpose
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE, Workspace
from crm.db import Database
from kernel.errors import ValidationFailed
from kernel.settings import Settings

SET_PASSWORD_PATH = "/auth/set-password"  # noqa: S105 - a URL path
_USED = "this link was used already, or a newer one was sent: ask for a new one"


def _text(user: User, purpose: Purpose, workspace: Workspace, url: str, until: str) -> str:
    if purpose == "invitation":
        first = f"You are invited to the workspace {workspace.name!r} of crm as {user.email}."
        last = "Then sign in with your email and that password."
    else:
        first = f"Someone asked to reset the crm password of {user.email}."
        last = "If that was not you, ignore this email: your password stays as it is."
    return (
        f"{first}\n\nSet your password here (the link works once, until {until} UTC):\n"
        f"{url}\n\n{last}\n"
    )


async def send(
    system: Database,
    settings: Settings,
    user: User,
    purpose: Purpose,
    workspace: Workspace,
    *,
    now: datetime | None = None,
) -> PasswordMail:
    """Email `user` a new link; it replaces any link sent before. `settings`: the deployment's
    (its base URL and signing key), not a workspace's."""
    hours = settings.invitation_hours if purpose == "invitation" else settings.reset_hours
    token, link = tokens.make(
        settings.signing_key(),
        user.id,
        purpose,
        workspace.id,
        hours=hours,
        now=now or datetime.now(UTC),
    )
    await repository.set_link(system, user.id, digest(link.nonce))
    url = f"{settings.base_url.rstrip('/')}{SET_PASSWORD_PATH}?token={token}"
    subject = (
        f"Your invitation to {workspace.name}"
        if purpose == "invitation"
        else "Reset your crm password"
    )
    until = f"{link.expires_at:%Y-%m-%d %H:%M}"
    via = await mail.send(
        settings, user.email, subject, _text(user, purpose, workspace, url, until)
    )
    return PasswordMail(to=user.email, purpose=purpose, sent_via=via, expires_at=link.expires_at)


async def request_reset(
    system: Database,
    settings: Settings,
    email: str,
    workspace: Workspace | None,
    *,
    actor: str,
    ip: str = "",
    now: datetime | None = None,
) -> PasswordMail | None:
    """A reset link to the user with this email; None when there is none. Audited in
    `workspace` (default: the default workspace)."""
    try:
        found = await users.lookup(system, email)
    except ValidationFailed:  # not an email address: nobody has it
        return None
    if found is None:
        return None
    workspace = workspace or await workspaces.require(system, DEFAULT_WORKSPACE)
    sent = await send(system, settings, found[0], "reset", workspace, now=now)
    await audit.record(
        system,
        "user.password_reset",
        actor=actor,
        workspace=workspace.id,
        target=found[0].email,
        ip=ip,
    )
    return sent


async def check(
    system: Database, settings: Settings, token: str, *, now: datetime | None = None
) -> tuple[User, Link]:
    """The user a link is for, while it works; ValidationFailed saying why not."""
    link = tokens.read(settings.signing_key(), token, now or datetime.now(UTC))
    user = await users.get(system, link.user)
    if user is None or await repository.current_link(system, user.id) != digest(link.nonce):
        raise ValidationFailed(_USED)
    return user, link


async def use(
    system: Database,
    settings: Settings,
    token: str,
    password: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> User:
    """Set the password through a link, which is spent. Does not sign in."""
    user, link = await check(system, settings, token, now=now)
    if not await repository.use_link(system, user.id, digest(link.nonce), hash_password(password)):
        raise ValidationFailed(_USED)
    await audit.record(
        system,
        "user.password_set",
        actor=f"user:{user.id}",
        actor_name=user.email,
        workspace=link.workspace,
        target=user.email,
        ip=ip,
        details={"through": link.purpose},
    )
    return user
