"""Every route declares the permission it needs: `@router.get(…, **requires(Permission.READ))`,
and the audit action it records when it succeeds, if any: `**requires(Permission.APPROVE,
audit=Action.CAMPAIGN_APPROVE)`.

The declaration checks the caller's role (403 naming the permission); `declare` then writes it
into the OpenAPI document as `x-permission`, which a test reads to prove that no route goes
without one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from accounts.audit import service as audit_log
from accounts.audit.actions import Action
from accounts.roles import Permission, lowest_role_with
from api.auth import Caller
from api.deps import System
from kernel.errors import Forbidden

PERMISSION_KEY = "x-permission"
AUDIT_KEY = "x-audit"


@dataclass
class AuditNote:
    """The target the audit entry names: the route's `ref` unless the route sets one (a key it
    created, for example). A route that changed nothing (a console form shown again with its
    problems) sets `done` to False and nothing is recorded."""

    target: str = ""
    done: bool = True


def _note() -> AuditNote:
    return AuditNote()


# One per request (FastAPI caches a dependency's value for the request), so a route that takes
# it shares it with the audit dependency.
Note = Annotated[AuditNote, Depends(_note)]


@cache
def _check(permission: Permission) -> Any:
    if permission is Permission.PUBLIC:

        async def check() -> None:
            return None

    else:

        async def check(caller: Caller) -> None:  # type: ignore[misc]
            if not caller.can(permission):
                raise Forbidden(
                    f"your role ({caller.role.value}) lacks the permission "
                    f"{permission.value!r} (role {lowest_role_with(permission).value} or above)",
                    details={"permission": permission.value, "role": caller.role.value},
                )

    check.permission = permission  # type: ignore[attr-defined]
    return check


@cache
def _audit(action: Action) -> Any:
    async def audit(
        request: Request, caller: Caller, system: System, note: Note
    ) -> AsyncIterator[None]:
        yield  # the route raised: its exception passes through here and nothing is recorded
        if not note.done:
            return
        ref = str(request.path_params.get("ref", ""))
        await audit_log.record(
            system,
            action.value,
            actor=caller.id,
            actor_name=caller.name,
            workspace=caller.workspace.id,
            target=note.target or action.target(ref),
            ip=request.client.host if request.client else "",
        )

    audit.action = action  # type: ignore[attr-defined]
    return audit


def requires(permission: Permission, *, audit: Action | None = None) -> dict[str, Any]:
    """Keyword arguments of a route decorator for a route that needs `permission` (and records
    `audit` once it has succeeded)."""
    dependencies = [Depends(_check(permission))]
    if audit is not None:
        # scope="function": recorded when the route returns, before the answer is sent.
        dependencies.append(Depends(_audit(audit), scope="function"))
    return {"dependencies": dependencies}


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # An included router stays a router of its own (FastAPI includes them lazily).
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def declare(app: FastAPI) -> None:
    """Show each route's permission (and audit action) in the OpenAPI document. Called once
    the routers are included, before the first request."""
    for route in _api_routes(app.routes):
        for dependency in route.dependant.dependencies:
            for attribute, key in (("permission", PERMISSION_KEY), ("action", AUDIT_KEY)):
                value = getattr(dependency.call, attribute, None)
                if value is not None:
                    route.openapi_extra = (route.openapi_extra or {}) | {key: value.value}
