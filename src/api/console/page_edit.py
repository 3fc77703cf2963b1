"""`/app/pages/{ref}/edit`: a landing page's title, address and text (headline, sections, call
to action, search texts) and its form fields, as `LandingPageUpdate` allows (the API's
`PATCH /api/v1/landing-pages/{id}`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.console.deps import Person, console_router
from api.console.render import page
from api.permissions import requires
from api.tenancy import Db, Here
from landing_pages import service
from landing_pages.models import LandingPage, LandingPageUpdate
from llm_tools.landing_page import MAX_FIELDS, field_name

router = console_router(prefix="/app/pages/{ref}")
MAX_SECTIONS = 5  # as LandingPageSpec allows
TEXTS = ("headline", "subheadline", "seo_title", "seo_description")
FIELD_TYPES = ("text", "email", "tel", "textarea", "checkbox")


def _values(found: LandingPage) -> dict[str, Any]:
    """The form's values for the page as stored; empty rows to add a section or a field."""
    spec = found.spec.model_dump()
    sections = [{**s, "bullets": "\n".join(s["bullets"])} for s in spec["sections"]]
    blank_field = {"label": "", "name": "", "type": "text", "required": False}
    return {
        "title": found.title,
        "slug": found.slug,
        **{t: spec[t] for t in TEXTS},
        "cta": spec["call_to_action"]["label"],
        "sections": sections
        + [{"heading": "", "body": "", "bullets": ""}] * (MAX_SECTIONS - len(sections)),
        "fields": spec["form_fields"] + [blank_field] * (MAX_FIELDS - len(spec["form_fields"])),
    }


def _posted(form: FormData) -> dict[str, Any]:
    """The form's values as posted, in the shape of `_values`."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    return {
        "title": text("title"),
        "slug": text("slug"),
        **{t: text(t) for t in TEXTS},
        "cta": text("cta"),
        "sections": [
            {k: text(f"section{i}_{k}") for k in ("heading", "body", "bullets")}
            for i in range(MAX_SECTIONS)
        ],
        "fields": [
            {
                "label": text(f"field{i}_label"),
                "name": text(f"field{i}_name"),
                "type": text(f"field{i}_type"),
                "required": bool(text(f"field{i}_required")),
            }
            for i in range(MAX_FIELDS)
        ],
    }


def _update(values: dict[str, Any]) -> LandingPageUpdate:
    """The change the posted values ask for; rows left empty are dropped."""
    sections = [
        {
            "heading": s["heading"],
            "body": s["body"],
            "bullets": [b.strip() for b in s["bullets"].splitlines() if b.strip()],
        }
        for s in values["sections"]
        if s["heading"] or s["body"]
    ]
    fields = [
        {**f, "name": f["name"] or field_name(f["label"])} for f in values["fields"] if f["label"]
    ]
    spec = {
        **{t: values[t] for t in TEXTS},
        "call_to_action": {"label": values["cta"]},
        "sections": sections,
        "form_fields": fields,
    }
    return LandingPageUpdate.model_validate(
        {"title": values["title"], "slug": values["slug"], "spec": spec}
    )


def _form(
    request: Request, caller: Person, found: LandingPage, values: dict[str, Any], message: str
) -> Response:
    return page(
        request,
        "page_edit.jinja",
        caller=caller,
        status_code=422 if message else 200,
        title=f"Edit {found.title}",
        page_id=found.id,
        values=values,
        field_types=FIELD_TYPES,
        message=message,
    )


@router.get("/edit", **requires(Permission.WRITE))
async def edit_page(request: Request, caller: Person, db: Db, ref: str) -> Response:
    found = await service.require(db, ref)
    return _form(request, caller, found, _values(found), "")


@router.post("/edit", **requires(Permission.WRITE, audit=Action.PAGE_EDIT))
async def save_page(request: Request, caller: Person, db: Db, here: Here, ref: str) -> Response:
    before = await service.require(db, ref)
    values = _posted(await request.form())
    try:
        change = _update(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        return _form(request, caller, before, values, problems)
    saved = await service.update(db, before.id, change)
    for slug in {before.slug, saved.slug}:
        here.state.page_cache.drop(here.page_key(slug))
    return RedirectResponse("/app/pages", status_code=303)
