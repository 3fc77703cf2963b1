"""`/app/settings`: the other workspaces you can move to, the workspace's members (owners
invite, re-role and remove them), its API keys (a new key shown once; revoking) and the LLM
call ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from accounts import signin
from accounts.apikeys import service as apikeys
from accounts.apikeys.models import NewApiKey
from accounts.audit.actions import Action
from accounts.principals import Principal
from accounts.roles import Permission, Role
from accounts.users import team
from api.console.deps import Person, console_router
from api.console.render import page
from api.deps import System
from api.permissions import Note, requires
from api.tenancy import Db
from crm.db import Database
from crm.llm_calls.service import recent_calls

router = console_router(prefix="/app/settings")
LEDGER_ROWS = 100


async def _page(
    request: Request,
    caller: Principal,
    db: Database,
    system: Database,
    created: NewApiKey | None = None,
) -> Response:
    keys: list[Any] = []
    if caller.can(Permission.API_KEYS):
        keys = await apikeys.list_keys(system, caller.workspace)
    calls = await recent_calls(db, limit=LEDGER_ROWS)
    return page(
        request,
        "settings.jinja",
        caller=caller,
        title="Settings",
        mine=await signin.workspaces_of(system, caller.user) if caller.user else [],
        members=await team.members(system, caller.workspace),
        keys=keys,
        created=created,
        roles=list(Role),
        calls=calls,
        total=sum(c.cost or 0.0 for c in calls),
    )


@router.get("", **requires(Permission.READ))
async def settings_page(request: Request, caller: Person, db: Db, system: System) -> Response:
    return await _page(request, caller, db, system)


@router.post("/keys", **requires(Permission.API_KEYS, audit=Action.APIKEY_CREATE))
async def create_key(
    request: Request,
    caller: Person,
    db: Db,
    system: System,
    note: Note,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    role: Annotated[Role, Form()],
) -> Response:
    created = await apikeys.create(system, name, role, caller.workspace, by=caller.role)
    note.target = Action.APIKEY_CREATE.target(created.id)
    return await _page(request, caller, db, system, created)


@router.post("/keys/{ref}/revoke", **requires(Permission.API_KEYS, audit=Action.APIKEY_REVOKE))
async def revoke_key(caller: Person, system: System, note: Note, ref: str) -> Response:
    revoked = await apikeys.revoke(system, ref, caller.workspace)
    note.target = Action.APIKEY_REVOKE.target(revoked.id)
    return RedirectResponse("/app/settings#keys", status_code=303)
