"""`/api/v1/apikeys`: the caller's workspace's API keys: list, create (the key is shown once),
revoke. Nobody makes a key that may do more than they may."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from accounts.apikeys import service
from accounts.apikeys.models import ApiKey, NewApiKey
from accounts.audit.actions import Action
from accounts.roles import Permission, Role
from api.auth import Caller
from api.deps import System
from api.permissions import Note, requires
from api.schemas import error_responses
from kernel.errors import NotFound

router = APIRouter(prefix="/apikeys", tags=["api keys"])


class ApiKeyList(BaseModel):
    items: list[ApiKey]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["newsletter sync"])
    role: Role = Field(description="At most the caller's own.", examples=["editor"])
    workspace: str | None = Field(
        default=None,
        max_length=100,
        description="Id or name; only the caller's own workspace (a key works in one).",
    )


@router.get("", response_model=ApiKeyList, **requires(Permission.API_KEYS))
async def list_keys(caller: Caller, system: System) -> ApiKeyList:
    return ApiKeyList(items=await service.list_keys(system, caller.workspace))


@router.post(
    "",
    response_model=NewApiKey,
    status_code=201,
    responses=error_responses(404),
    **requires(Permission.API_KEYS, audit=Action.APIKEY_CREATE),
)
async def create_key(body: ApiKeyIn, caller: Caller, system: System, note: Note) -> NewApiKey:
    """The key is in the answer once; only its digest is stored."""
    here = caller.workspace
    if body.workspace and body.workspace.casefold() not in (here.id, here.name.casefold()):
        raise NotFound(f"no workspace {body.workspace!r}")
    made = await service.create(system, body.name, body.role, here, by=caller.role)
    note.target = Action.APIKEY_CREATE.target(made.id)
    return made


@router.post(
    "/{ref}/revoke",
    response_model=ApiKey,
    responses=error_responses(404),
    **requires(Permission.API_KEYS, audit=Action.APIKEY_REVOKE),
)
async def revoke_key(ref: str, caller: Caller, system: System, note: Note) -> ApiKey:
    """By id or prefix. Requests with the key are answered 403 from then on."""
    revoked = await service.revoke(system, ref, caller.workspace)
    note.target = Action.APIKEY_REVOKE.target(revoked.id)
    return revoked
