"""What console pages depend on: the signed-in caller (remembered for error pages) and the
route class and form check every console router uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from accounts.principals import Principal
from api.auth import Caller
from api.console import csrf
from api.console.render import ConsoleRoute


async def signed_in(request: Request, caller: Caller) -> Principal:
    request.state.console_caller = caller
    return caller


Person = Annotated[Principal, Depends(signed_in)]


def console_router(**kwargs: Any) -> APIRouter:
    return APIRouter(
        route_class=ConsoleRoute,
        include_in_schema=False,
        dependencies=[Depends(csrf.check_form)],
        **kwargs,
    )
