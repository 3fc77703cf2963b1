"""`GET /health`: is the database reachable, and at which schema version."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from accounts.roles import Permission
from api.deps import State
from api.permissions import requires
from crm.schema import available, current_version
from kernel.errors import CRMError

router = APIRouter(tags=["health"])


class DatabaseHealth(BaseModel):
    reachable: bool
    schema_version: int | None = Field(default=None, examples=[5])
    latest_schema_version: int = Field(examples=[5])
    engine: str = Field(description="The URL scheme only (no paths or hosts).", examples=["mem"])


class Health(BaseModel):
    status: str = Field(examples=["ok"], description="`ok`, or `unavailable` (status 503).")
    database: DatabaseHealth


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is unreachable"}},
    **requires(Permission.PUBLIC),
)
async def health(state: State, request: Request) -> JSONResponse:
    latest = max((m.version for m in available()), default=0)
    engine = state.settings.database_url.split(":", 1)[0]
    version = None
    if state.db is not None:
        try:
            version = await current_version(state.db)
        except CRMError:
            version = None
    body = Health(
        status="ok" if version is not None else "unavailable",
        database=DatabaseHealth(
            reachable=version is not None,
            schema_version=version,
            latest_schema_version=latest,
            engine=engine,
        ),
    )
    return JSONResponse(body.model_dump(), status_code=200 if version is not None else 503)
