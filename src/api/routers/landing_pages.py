"""`/api/v1/landing-pages`: generate from a campaign (202 + job), create from a spec, edit,
preview, publish and unpublish."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import Field

from api.auth import Caller
from api.deps import AppState, Db, State, gateway
from api.routers.public_pages import HTML_OK, html
from api.schemas import Job, error_responses
from campaigns import service as campaigns
from landing_pages import service
from landing_pages.models import (
    GenerateRequest,
    LandingPage,
    LandingPageCreate,
    LandingPageUpdate,
    PageStatus,
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
    def of(cls, page: LandingPage, state: AppState) -> PageOut:
        base = state.settings.base_url.rstrip("/")
        preview = preview_path(state.secret, page.id, page.slug, state.clock())
        return cls(**page.model_dump(), url=f"{base}/lp/{page.slug}", preview_url=base + preview)


def _drop(state: State, *slugs: str) -> None:
    state.page_cache.drop(*slugs)


@router.get("", response_model=list[PageOut])
async def list_pages(
    db: Db,
    state: State,
    caller: Caller,
    campaign: str | None = Query(default=None, max_length=64),
    status: PageStatus | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[PageOut]:
    pages = await service.list_pages(db, campaign=campaign, status=status, limit=limit)
    return [PageOut.of(p, state) for p in pages]


@router.post("", response_model=PageOut, status_code=201, responses=error_responses(409))
async def create_page(
    db: Db,
    state: State,
    caller: Caller,
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
    _drop(state, page.slug)
    return PageOut.of(page, state)


@router.post(
    "/generate",
    response_model=Job,
    status_code=202,
    responses=error_responses(404, 409),
)
async def generate_page(
    db: Db,
    state: State,
    caller: Caller,
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
    llm = gateway(state, db)

    async def work() -> PageOut:
        page = await service.generate_for_campaign(
            db, campaign, llm, audience=data.audience, slug=data.slug, publish=data.publish
        )
        _drop(state, page.slug)
        return PageOut.of(page, state)

    return state.jobs.submit("landing_page.generate", work)


@router.get("/{ref}", response_model=PageOut, responses=error_responses(404))
async def get_page(ref: str, db: Db, state: State, caller: Caller) -> PageOut:
    """By slug or id."""
    return PageOut.of(await service.require(db, ref), state)


@router.patch("/{ref}", response_model=PageOut, responses=error_responses(404, 409))
async def update_page(
    ref: str, data: LandingPageUpdate, db: Db, state: State, caller: Caller
) -> PageOut:
    before = await service.require(db, ref)
    page = await service.update(db, before.id, data)
    _drop(state, before.slug, page.slug)
    return PageOut.of(page, state)


@router.delete("/{ref}", status_code=204, response_class=Response, responses=error_responses(404))
async def delete_page(ref: str, db: Db, state: State, caller: Caller) -> Response:
    page = await service.delete(db, ref)
    _drop(state, page.slug)
    return Response(status_code=204)


@router.post("/{ref}/publish", response_model=PageOut, responses=error_responses(404))
async def publish_page(ref: str, db: Db, state: State, caller: Caller) -> PageOut:
    page = await service.set_status(db, ref, PageStatus.PUBLISHED)
    _drop(state, page.slug)
    return PageOut.of(page, state)


@router.post("/{ref}/unpublish", response_model=PageOut, responses=error_responses(404))
async def unpublish_page(ref: str, db: Db, state: State, caller: Caller) -> PageOut:
    page = await service.set_status(db, ref, PageStatus.DRAFT)
    _drop(state, page.slug)
    return PageOut.of(page, state)


@router.get(
    "/{ref}/preview",
    responses={**HTML_OK, **error_responses(404)},
)
async def preview_page(ref: str, db: Db, caller: Caller) -> Response:
    """The page as it will look (drafts too); its form is not live."""
    page = await service.require(db, ref)
    body = render_page(page.spec, title=page.title, action="#", preview_status=page.status.value)
    return html(body, headers={"x-robots-tag": "noindex"})
