"""Hosted landing pages: `GET /lp/{slug}`, `POST /lp/{slug}/submit`, `GET /lp/{slug}/thanks`,
and `GET /lp/{slug}/preview?token=…` (a signed, expiring link that shows drafts too).

Public (no key). The form is protected by a signed token (made for this page, checked in
constant time, with a minimum fill time), a honeypot field, a per-IP rate limit and an
Origin check; a bot is answered like a person but nothing is stored. A bad submission gets
the page back with its field errors.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from accounts.roles import Permission
from api.deps import AppState, State
from api.limits import retry_after_header
from api.permissions import requires
from api.tenancy import Site, SiteDb, Tenant
from crm.db import Database
from kernel.logs import get_logger
from landing_pages import service
from landing_pages.forms import (
    TOKEN_FIELD,
    UTM_FIELDS,
    TokenCheck,
    check_token,
    form_token,
    honeypot_name,
    validate,
)
from landing_pages.models import SLUG, LandingPage
from landing_pages.preview import valid_preview
from landing_pages.render import (
    hidden_inputs,
    page_headers,
    prerender,
    render_message,
    render_page,
)

log = get_logger(__name__)
router = APIRouter(tags=["landing pages (public)"])

MAX_FORM_FIELDS = 60
MAX_PART_SIZE = 64 * 1024
HTML_OK: dict[int | str, dict[str, object]] = {
    200: {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}
}
HTML_RESPONSES: dict[int | str, dict[str, object]] = {
    **HTML_OK,
    404: {"description": "No published page with this slug", "content": {"text/html": {}}},
}
SUBMIT_RESPONSES: dict[int | str, dict[str, object]] = {
    303: {"description": "Stored (or dropped as a bot): go to the thank-you view"},
    400: {"description": "The form expired or was tampered with", "content": {"text/html": {}}},
    403: {"description": "Sent from another site", "content": {"text/html": {}}},
    404: {"description": "No published page with this slug", "content": {"text/html": {}}},
    422: {"description": "The page again, with field errors", "content": {"text/html": {}}},
    429: {"description": "Too many submissions from this address", "content": {"text/html": {}}},
}


def html(body: str | bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return HTMLResponse(body, status_code=status, headers={**page_headers(), **(headers or {})})


def not_found() -> Response:
    return html(
        render_message("Page not found", "There is no page at this address, or it was taken down."),
        404,
    )


def _action(site: Tenant, slug: str) -> str:
    return f"{site.prefix}/lp/{slug}/submit"


def _hidden(state: AppState, site: Tenant, slug: str, utm: dict[str, str]) -> Markup:
    return hidden_inputs(form_token(site.secret.encode(), slug, state.clock()), utm)


async def _published(db: Database, slug: str) -> LandingPage | None:
    if not SLUG.match(slug):
        return None
    return await service.published(db, slug)


@router.get("/lp/{slug}", responses=HTML_RESPONSES, **requires(Permission.PUBLIC))
async def show_page(
    slug: str,
    state: State,
    site: Site,
    db: SiteDb,
    utm_source: str | None = Query(default=None, max_length=200),
    utm_medium: str | None = Query(default=None, max_length=200),
    utm_campaign: str | None = Query(default=None, max_length=200),
    utm_term: str | None = Query(default=None, max_length=200),
    utm_content: str | None = Query(default=None, max_length=200),
) -> Response:
    hit, rendered = state.page_cache.get(site.page_key(slug))
    if not hit:
        page = await _published(db, slug)
        action = _action(site, slug)
        rendered = prerender(page.spec, title=page.title, action=action) if page else None
        state.page_cache.put(site.page_key(slug), rendered)
    if rendered is None:
        return not_found()
    utm = {
        "utm_source": utm_source or "",
        "utm_medium": utm_medium or "",
        "utm_campaign": utm_campaign or "",
        "utm_term": utm_term or "",
        "utm_content": utm_content or "",
    }
    return html(rendered.with_state(_hidden(state, site, slug, utm)))


PREVIEW_RESPONSES: dict[int | str, dict[str, object]] = {
    **HTML_OK,
    403: {"description": "The link expired or was altered", "content": {"text/html": {}}},
    404: {"description": "No page with this slug", "content": {"text/html": {}}},
}


@router.get("/lp/{slug}/preview", responses=PREVIEW_RESPONSES, **requires(Permission.PUBLIC))
async def preview_page(
    slug: str,
    state: State,
    site: Site,
    db: SiteDb,
    token: str = Query(default="", max_length=100),
) -> Response:
    """The page as it will look, draft or not, for whoever holds a preview link; its form is
    not live and search engines are told to skip it."""
    page = await service.get(db, slug) if SLUG.match(slug) else None
    if page is None or page.slug != slug:
        return not_found()
    if not valid_preview(site.secret, page.id, token, state.clock()):
        return html(
            render_message(
                "Link expired",
                "This preview link expired or was altered. Ask for a new one "
                "(crm pages show prints it).",
            ),
            403,
            {"x-robots-tag": "noindex"},
        )
    body = render_page(page.spec, title=page.title, action="#", preview_status=page.status.value)
    return html(body, headers={"x-robots-tag": "noindex"})


def _cross_site(request: Request) -> bool:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != request.headers.get("host", "")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/lp/{slug}/submit",
    status_code=303,
    responses=SUBMIT_RESPONSES,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                "multipart/form-data": {"schema": {"type": "object"}},
            }
        }
    },
    **requires(Permission.PUBLIC),
)
async def submit_page(
    slug: str, request: Request, state: State, site: Site, db: SiteDb
) -> Response:
    wait = state.form_limiter.hit(_client(request))
    if wait:
        return html(
            render_message(
                "Slow down", "Too many forms were sent from your address. Try again soon."
            ),
            429,
            {"retry-after": retry_after_header(wait)},
        )
    if _cross_site(request):
        return html(
            render_message("Not allowed", "This form can only be sent from its own page."), 403
        )
    page = await _published(db, slug)
    if page is None:
        return not_found()
    try:
        form = await request.form(
            max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_PART_SIZE
        )
    except StarletteHTTPException:
        form = FormData()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    thanks = RedirectResponse(f"{site.prefix}/lp/{slug}/thanks", status_code=303)
    if fields.get(honeypot_name(page.spec)):
        log.info("landing_pages.bot_dropped", page=slug, reason="honeypot")
        return thanks
    check = check_token(
        site.secret.encode(),
        slug,
        fields.get(TOKEN_FIELD, ""),
        state.clock(),
        min_seconds=state.settings.form_min_seconds,
    )
    if check == TokenCheck.TOO_FAST:
        log.info("landing_pages.bot_dropped", page=slug, reason="too_fast")
        return thanks
    utm = {name: fields.get(name, "") for name in UTM_FIELDS}
    result = validate(page.spec, fields)
    if check != TokenCheck.OK:
        message = (
            "This form was open too long. Please check your details and send it again."
            if check == TokenCheck.EXPIRED
            else "We could not accept this form. Please check your details and send it again."
        )
        return _again(state, site, page, result.values, {}, message, utm, 400)
    if result.submission is None:
        return _again(state, site, page, result.values, result.errors, None, utm, 422)
    await service.submit(db, page, result.submission, ip=_client(request))
    return thanks


def _again(
    state: AppState,
    site: Tenant,
    page: LandingPage,
    values: dict[str, str],
    errors: dict[str, str],
    general_error: str | None,
    utm: dict[str, str],
    status: int,
) -> Response:
    body = render_page(
        page.spec,
        title=page.title,
        action=_action(site, page.slug),
        hidden=_hidden(state, site, page.slug, utm),
        values=values,
        errors=errors,
        general_error=general_error,
    )
    return html(body, status)


@router.get("/lp/{slug}/thanks", responses=HTML_RESPONSES, **requires(Permission.PUBLIC))
async def thanks_page(slug: str, site: Site, db: SiteDb) -> Response:
    page = await _published(db, slug)
    if page is None:
        return not_found()
    return html(
        render_message(
            "Thank you!",
            "We received your details and will be in touch soon.",
            back=f"{site.prefix}/lp/{slug}",
        )
    )
