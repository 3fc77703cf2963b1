"""Tracking and unsubscribe links from campaign emails (public; the signed token is the key).

- `GET /t/o/{token}`: the open pixel.
- `GET /t/c/{token}`: records the click, then redirects to the URL sealed in the token only.
- `GET /unsubscribe/{token}`: a confirmation page; never unsubscribes by itself (link
  scanners prefetch GETs).
- `POST /unsubscribe/{token}`: RFC 8058 one-click (form-urlencoded or multipart body): at once,
  no cookie, 200, no redirect.

A tampered or foreign token is answered 400 and records nothing.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from accounts.roles import Permission
from api.permissions import requires
from api.routers.public_pages import HTML_OK, html
from api.tenancy import Site, SiteDb
from campaigns import suppression, tracking
from crm.events import service as events
from kernel.errors import NotFound, ValidationFailed
from landing_pages.render import render_message

router = APIRouter(tags=["tracking (public)"])

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"cache-control": "no-store, private", "pragma": "no-cache"}
BAD_LINK: dict[int | str, dict[str, object]] = {
    400: {"description": "Invalid or tampered link", "content": {"text/html": {}}},
}


def bad_link() -> Response:
    return html(
        render_message("This link does not work", "It may have been changed or cut short."), 400
    )


@router.get(
    "/t/o/{token}",
    responses={
        200: {"content": {"image/gif": {}}, "description": "A 1x1 GIF"},
        400: {"content": {"image/gif": {}}, "description": "Invalid link (still a 1x1 GIF)"},
    },
    **requires(Permission.PUBLIC),
)
async def open_pixel(token: str, site: Site, db: SiteDb) -> Response:
    tokens = tracking.Tokens(site.secret)
    try:
        payload = tokens.verify("open", token)
        await tracking.record_open(db, tokens, token)
    except ValidationFailed:
        return Response(PIXEL, status_code=400, media_type="image/gif", headers=NO_STORE)
    if payload.get("p"):
        await events.refresh_engagement(db, str(payload["p"]))
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get(
    "/t/c/{token}",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "To the URL sealed in the token"}, **BAD_LINK},
    **requires(Permission.PUBLIC),
)
async def click(token: str, site: Site, db: SiteDb) -> Response:
    tokens = tracking.Tokens(site.secret)
    try:
        payload = tokens.verify("click", token)
    except ValidationFailed:
        return bad_link()
    url = str(payload.get("u", ""))
    # The token was signed by us, but a URL that is not plain http(s) is still never followed.
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        return bad_link()
    url = await tracking.record_click(db, tokens, token)
    if payload.get("p"):
        await events.refresh_engagement(db, str(payload["p"]))
    return RedirectResponse(url, status_code=302, headers=NO_STORE)


@router.get(
    "/unsubscribe/{token}", responses={**HTML_OK, **BAD_LINK}, **requires(Permission.PUBLIC)
)
async def unsubscribe_page(token: str, site: Site) -> Response:
    try:
        tracking.Tokens(site.secret).verify("unsubscribe", token)
    except ValidationFailed:
        return bad_link()
    return html(
        render_message(
            "Unsubscribe?",
            "Press the button to stop receiving these emails.",
            form_action=f"{site.prefix}/unsubscribe/{token}",
            button="Unsubscribe",
        ),
        headers={"cache-control": "no-store"},
    )


@router.post(
    "/unsubscribe/{token}",
    responses={**HTML_OK, **BAD_LINK},
    openapi_extra={
        "requestBody": {
            "content": {
                # Any body, or none: it is not read.
                "application/x-www-form-urlencoded": {
                    "schema": {},
                    "example": {"List-Unsubscribe": "One-Click"},
                },
                "multipart/form-data": {"schema": {}},
            }
        }
    },
    **requires(Permission.PUBLIC),
)
async def unsubscribe(token: str, site: Site, db: SiteDb) -> Response:
    """RFC 8058 one-click: the token alone decides; the body (`List-Unsubscribe=One-Click`)
    is not needed, so any mail client's POST works."""
    try:
        await suppression.unsubscribe(db, tracking.Tokens(site.secret), token)
    except ValidationFailed:
        return bad_link()
    except NotFound:
        pass  # the contact is gone: nothing will be sent to it either way
    return html(
        render_message("You are unsubscribed", "You will not receive these emails any more."),
        headers={"cache-control": "no-store"},
    )
