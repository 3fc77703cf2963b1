"""The email as its recipient sees it, for the sandboxed frame on a campaign's page.

A sandboxed frame has an opaque origin, so the browser sends it no session cookie; the frame's
address therefore carries a short-lived signed token naming the workspace and the asset. The
answer has its own CSP: the email's own styles and images, no script, shown only inside the
console."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer

from accounts.roles import Permission
from accounts.workspaces import service as workspaces
from api.console.deps import console_router
from api.console.render import error_page
from api.deps import State, System
from api.permissions import requires
from api.tenancy import Tenant, tenant
from campaigns import assets

router = console_router(prefix="/app/frames")
MAX_AGE = 3600
FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'self'; sandbox"
)


def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="console-email-frame")


def frame_url(here: Tenant, campaign: str, channel: str, variant: str) -> str:
    token = _signer(here.state.secret).dumps([here.workspace.id, campaign, channel, variant])
    return f"/app/frames/{quote(token)}"


@router.get("/{token}", **requires(Permission.PUBLIC))
async def email_frame(request: Request, state: State, system: System, token: str) -> Response:
    try:
        workspace_id, campaign, channel, variant = _signer(state.secret).loads(
            token, max_age=MAX_AGE
        )
    except (BadSignature, ValueError):
        return error_page(request, 404, "Not found", "This preview has expired: reload the page.")
    workspace = await workspaces.get(system, workspace_id)
    found = None
    if workspace is not None:
        db = tenant(state, system, workspace).db
        found = next(
            (
                a
                for a in await assets.list_assets(db, campaign)
                if (a.channel, a.variant) == (channel, variant)
            ),
            None,
        )
    if found is None or "body_html" not in found.content:
        return error_page(request, 404, "Not found", "There is no such email.")
    return HTMLResponse(
        str(found.content["body_html"]),
        headers={"content-security-policy": FRAME_CSP, "x-frame-options": "SAMEORIGIN"},
    )
