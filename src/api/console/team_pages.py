"""`/app/settings/members/…`: what owners do to the workspace's members: invite (the
invitation mail `crm users add` sends), change a role, remove; the same rules as the CLI (a
workspace keeps an owner, nobody grants above their own role), audited by `accounts.users.team`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from accounts.roles import Permission, Role
from accounts.users import team
from api.console.deps import Person, console_router
from api.deps import State, System
from api.permissions import requires
from api.routers.passwords import client_ip

router = console_router(prefix="/app/settings/members")
Email = Annotated[str, Form(min_length=3, max_length=320)]
BACK = "/app/settings#members"


@router.post("", **requires(Permission.USERS))
async def invite(
    request: Request,
    caller: Person,
    system: System,
    state: State,
    email: Email,
    role: Annotated[Role, Form()],
) -> Response:
    await team.add(
        system,
        state.settings,
        email,
        role,
        caller.workspace,
        password=None,
        actor=caller.id,
        actor_name=caller.name,
        by=caller.role,
        ip=client_ip(request),
    )
    return RedirectResponse(BACK, status_code=303)


@router.post("/role", **requires(Permission.USERS))
async def change_role(
    request: Request,
    caller: Person,
    system: System,
    email: Email,
    role: Annotated[Role, Form()],
) -> Response:
    await team.set_role(
        system,
        email,
        role,
        caller.workspace,
        actor=caller.id,
        actor_name=caller.name,
        by=caller.role,
        ip=client_ip(request),
    )
    return RedirectResponse(BACK, status_code=303)


@router.post("/remove", **requires(Permission.USERS))
async def remove(request: Request, caller: Person, system: System, email: Email) -> Response:
    await team.remove(
        system,
        email,
        caller.workspace,
        actor=caller.id,
        actor_name=caller.name,
        ip=client_ip(request),
    )
    return RedirectResponse(BACK, status_code=303)
