"""The console's router, mounted at `/app` by `api.app`: its pages, its own CSS and JS, and a
404 page for any other path under `/app`."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import FileResponse

from accounts.roles import Permission
from api.console import (
    asset_history,
    campaign_actions,
    campaign_pages,
    contact_pages,
    dashboard,
    email_frame,
    landing_pages,
    page_edit,
    page_submissions,
    schedule_pages,
    segment_pages,
    settings_pages,
    signin_pages,
    team_pages,
)
from api.console.deps import Person, console_router
from api.console.render import HERE, error_page
from api.permissions import requires

STATIC = {"console.css": "text/css", "console.js": "text/javascript"}

router = console_router()
for module in (
    signin_pages, dashboard, contact_pages, segment_pages, campaign_pages, campaign_actions,
    asset_history, schedule_pages, email_frame, landing_pages, page_edit, page_submissions,
    settings_pages, team_pages,
):  # fmt: skip
    router.include_router(module.router)


@router.get("/app/static/{name}", **requires(Permission.PUBLIC))
async def static(request: Request, name: str) -> Response:
    if name not in STATIC:
        return error_page(request, 404, "Not found", "There is no such page.")
    return FileResponse(
        HERE / "static" / name,
        media_type=STATIC[name],
        headers={"cache-control": "public, max-age=300"},
    )


@router.api_route("/app/{rest:path}", methods=["GET", "POST"], **requires(Permission.READ))
async def not_found(request: Request, caller: Person, rest: str) -> Response:
    return error_page(request, 404, "Not found", "There is no such page.")
