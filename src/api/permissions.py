"""Every route declares the permission it needs: `@router.get(…, **requires(Permission.READ))`.

The declaration checks the caller's role (403 naming the permission); `declare` then writes it
into the OpenAPI document as `x-permission`, which a test reads to prove that no route goes
without one."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from accounts.roles import Permission, lowest_role_with
from api.auth import Caller
from kernel.errors import Forbidden

PERMISSION_KEY = "x-permission"


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


def requires(permission: Permission) -> dict[str, Any]:
    """Keyword arguments of a route decorator for a route that needs `permission`."""
    return {"dependencies": [Depends(_check(permission))]}


def declare(app: FastAPI) -> None:
    """Show each route's permission in the OpenAPI document."""
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for dependency in route.dependant.dependencies:
            permission = getattr(dependency.call, "permission", None)
            if permission is not None:
                route.openapi_extra = (route.openapi_extra or {}) | {
                    PERMISSION_KEY: permission.value
                }
