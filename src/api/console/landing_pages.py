"""`/app/pages`: landing pages: the list, a preview, publish and unpublish (edit:
`page_edit`, submissions: `page_submissions`)."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.console.deps import Person, console_router
from api.console.render import page
from api.permissions import requires
from api.tenancy import Db, Here
from landing_pages import service
from landing_pages.models import PageStatus

router = console_router(prefix="/app/pages")


@router.get("", **requires(Permission.READ))
async def pages_page(request: Request, caller: Person, db: Db, here: Here) -> Response:
    return page(
        request,
        "pages.jinja",
        caller=caller,
        title="Landing pages",
        pages=await service.list_pages(db),
        public=f"{here.settings.base_url.rstrip('/')}{here.prefix}/lp/",
    )


async def _set(here: Here, db: Db, ref: str, status: PageStatus) -> Response:
    changed = await service.set_status(db, ref, status)
    here.state.page_cache.drop(here.page_key(changed.slug))
    return RedirectResponse("/app/pages", status_code=303)


@router.post("/{ref}/publish", **requires(Permission.APPROVE, audit=Action.PAGE_PUBLISH))
async def publish(caller: Person, db: Db, here: Here, ref: str) -> Response:
    return await _set(here, db, ref, PageStatus.PUBLISHED)


@router.post("/{ref}/unpublish", **requires(Permission.APPROVE, audit=Action.PAGE_UNPUBLISH))
async def unpublish(caller: Person, db: Db, here: Here, ref: str) -> Response:
    return await _set(here, db, ref, PageStatus.DRAFT)
