"""`/app`: the dashboard."""

from __future__ import annotations

from fastapi import Request, Response

from accounts.roles import Permission
from api.console.deps import Person, console_router
from api.console.render import page
from api.permissions import requires
from api.tenancy import Db

router = console_router(prefix="/app")


@router.get("", **requires(Permission.READ))
async def home(request: Request, caller: Person, db: Db) -> Response:
    return page(request, "dashboard.jinja", caller=caller, title="Dashboard")
