"""`/app/pages/{ref}/submissions`: a landing page's form submissions, newest first, in cursor
pages; roles with Permission.EXPORT get the CSV (`/api/v1/landing-pages/{id}/submissions.csv`)."""

from __future__ import annotations

from fastapi import Query, Request, Response

from accounts.roles import Permission
from api.console.deps import Person, console_router
from api.console.render import page
from api.permissions import requires
from api.tenancy import Db
from landing_pages import service

router = console_router(prefix="/app/pages/{ref}")
PER_PAGE = 50


@router.get("/submissions", **requires(Permission.READ))
async def submissions_page(
    request: Request,
    caller: Person,
    db: Db,
    ref: str,
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    found = await service.require(db, ref)
    return page(
        request,
        "submissions.jinja",
        caller=caller,
        title=f"{found.title}: form submissions",
        landing_page=found,
        submissions=await service.submissions(db, found.id, cursor=cursor, limit=PER_PAGE),
        first=cursor is None,
    )
