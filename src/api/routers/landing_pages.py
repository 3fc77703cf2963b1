"""`/api/v1/landing-pages`: generate from a campaign (202 + job), create from a spec, edit,
preview, publish and unpublish, form submissions (cursor pages, CSV)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import Field

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.deps import gateway
from api.permissions import requires
from api.routers.public_pages import HTML_OK, html
from api.schemas import Job, error_responses
from api.tenancy import Db, Here, Tenant
from campaigns import service as campaigns
from landing_pages import service
from landing_pages.export import submissions_csv
from landing_pages.models import (
    GenerateRequest,
    LandingPage,
    LandingPageCreate,
    LandingPageUpdate,
    PageStatus,
    SubmissionPage,
)
from landing_pages.preview import preview_path
from landing_pages.render import render_page

router = APIRouter(prefix="/landing-pages", tags=["landing pages"])

SPEC_EXAMPLE: dict[str, Any] = {
    "headline": "Ship campaigns in an afternoon",
    "subheadline": "Segments, AI-written emails and landing pages in one open-source toolkit.",
    "sections": [
        {
            "heading": "Why teams switch",
            "body": "Write the brief once; every asset follows it. Nothing is sent twice.",
            "bullets": ["Exactly-once delivery", "Runs on one machine"],
        }
    ],
    "call_to_action": {"label": "Book a demo"},
    "form_fields": [
        {"name": "email", "label": "Work email", "type": "email", "required": True},
        {"name": "first_name", "label": "First name", "type": "text", "required": False},
    ],
    "seo_title": "Campaign toolkit demo",
    "seo_description": "Book a demo of the open-source AI campaign and enrichment toolkit.",
}


class PageOut(LandingPage):
    url: str = Field(description="The public address (answers 404 until published).")
    preview_url: str = Field(
        description="A signed link that opens the page in a browser, draft or not (expires)."
    )

    @classmethod
    def of(cls, page: LandingPage, here: Tenant) -> PageOut:
        base = here.settings.base_url.rstrip("/")
        preview = preview_path(here.secret, page.id, page.slug, here.state.clock())
        return cls(**page.model_dump(), url=f"{base}/lp/{page.slug}", preview_url=base + preview)


def _drop(here: Tenant, *slugs: str) -> None:
    here.state.page_cache.drop(*(here.page_key(slug) for slug in slugs))


@router.get("", response_model=list[PageOut], **requires(Permission.READ))
async def list_pages(
    db: Db,
    here: Here,
    campaign: str | None = Query(default=None, max_length=64),
    status: PageStatus | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[PageOut]:
    pages = await service.list_pages(db, campaign=campaign, status=status, limit=limit)
    return [PageOut.of(p, here) for p in pages]


@router.post(
    "",
    response_model=PageOut,
    status_code=201,
    responses=error_responses(409),
    **requires(Permission.WRITE),
)
async def create_page(
    db: Db,
    here: Here,
    data: Annotated[
        LandingPageCreate,
        Body(
            openapi_examples={
                "page": {
                    "summary": "A page from a spec",
                    "value": {"slug": "demo", "spec": SPEC_EXAMPLE, "publish": True},
                }
            }
        ),
    ],
) -> PageOut:
    page = await service.create(db, data)
    _drop(here, page.slug)
    return PageOut.of(page, here)


@router.post(
    "/generate",
    response_model=Job,
    status_code=202,
    responses=error_responses(404, 409),
    **requires(Permission.WRITE),
)
async def generate_page(
    db: Db,
    here: Here,
    data: Annotated[
        GenerateRequest,
        Body(
            openapi_examples={
                "generate": {"summary": "For a campaign", "value": {"campaign": "abc123"}}
            }
        ),
    ],
) -> Job:
    """Write a page for the campaign with the LLM; answers 202 with the job to poll."""
    campaign = await campaigns.require(db, data.campaign)
    llm = gateway(here.state, db)

    async def work() -> PageOut:
        page = await service.generate_for_campaign(
            db, campaign, llm, audience=data.audience, slug=data.slug, publish=data.publish
        )
        _drop(here, page.slug)
        return PageOut.of(page, here)

    return here.state.jobs.submit(here.workspace.id, "landing_page.generate", work)


@router.get(
    "/{ref}", response_model=PageOut, responses=error_responses(404), **requires(Permission.READ)
)
async def get_page(ref: str, db: Db, here: Here) -> PageOut:
    """By slug or id."""
    return PageOut.of(await service.require(db, ref), here)


@router.patch(
    "/{ref}",
    response_model=PageOut,
    responses=error_responses(404, 409),
    **requires(Permission.WRITE, audit=Action.PAGE_EDIT),
)
async def update_page(ref: str, data: LandingPageUpdate, db: Db, here: Here) -> PageOut:
    before = await service.require(db, ref)
    page = await service.update(db, before.id, data)
    _drop(here, before.slug, page.slug)
    return PageOut.of(page, here)


@router.get(
    "/{ref}/submissions",
    response_model=SubmissionPage,
    responses=error_responses(404, 422),
    **requires(Permission.READ),
)
async def list_submissions(
    ref: str,
    db: Db,
    cursor: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=50, ge=1, le=1000),
) -> SubmissionPage:
    """The page's form submissions, newest first (`next_cursor` gives the next page)."""
    return await service.submissions(db, ref, cursor=cursor, limit=limit)


@router.get(
    "/{ref}/submissions.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The submissions as CSV"},
        **error_responses(404),
    },
    **requires(Permission.EXPORT, audit=Action.PAGE_SUBMISSIONS_EXPORT),
)
async def export_submissions(ref: str, db: Db) -> Response:
    """Every form submission of the page as CSV, newest first, a column per form field."""
    return Response(
        await submissions_csv(db, ref),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="submissions.csv"'},
    )


@router.delete(
    "/{ref}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404),
    **requires(Permission.DELETE, audit=Action.PAGE_DELETE),
)
async def delete_page(ref: str, db: Db, here: Here) -> Response:
    page = await service.delete(db, ref)
    _drop(here, page.slug)
    return Response(status_code=204)


@router.post(
    "/{ref}/publish",
    response_model=PageOut,
    responses=error_responses(404),
    **requires(Permission.APPROVE, audit=Action.PAGE_PUBLISH),
)
async def publish_page(ref: str, db: Db, here: Here) -> PageOut:
    page = await service.set_status(db, ref, PageStatus.PUBLISHED)
    _drop(here, page.slug)
    return PageOut.of(page, here)


@router.post(
    "/{ref}/unpublish",
    response_model=PageOut,
    responses=error_responses(404),
    **requires(Permission.APPROVE),
)
async def unpublish_page(ref: str, db: Db, here: Here) -> PageOut:
    page = await service.set_status(db, ref, PageStatus.DRAFT)
    _drop(here, page.slug)
    return PageOut.of(page, here)


@router.get(
    "/{ref}/preview",
    responses={**HTML_OK, **error_responses(404)},
    **requires(Permission.READ),
)
async def preview_page(ref: str, db: Db) -> Response:
    """The page as it will look (drafts too); its form is not live."""
    page = await service.require(db, ref)
    body = render_page(page.spec, title=page.title, action="#", preview_status=page.status.value)
    return html(body, headers={"x-robots-tag": "noindex"})
