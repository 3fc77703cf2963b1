"""`/app/segments`: the list with counts, and the rule editor (count and first members of a
rule, errors marked at their position; saving it as a segment)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from accounts.audit.actions import Action
from accounts.roles import Permission
from api.console.deps import Person, console_router
from api.console.render import page
from api.permissions import Note, requires
from api.tenancy import Db
from crm.db import Database
from crm.segments import service
from crm.segments.models import SegmentCreate
from kernel.errors import ValidationFailed

router = console_router(prefix="/app/segments")
SHOWN = 10


def _marked(rule: str, error: ValidationFailed) -> dict[str, str] | None:
    """The rule split around the column the error names (1-based), to highlight it."""
    column = error.details.get("column")
    if not isinstance(column, int) or not rule:
        return None
    at = min(max(column - 1, 0), len(rule) - 1)
    return {"before": rule[:at], "at": rule[at], "after": rule[at + 1 :]}


async def _tried(db: Database, rule: str) -> dict[str, Any]:
    if not rule.strip():
        return {"members": [], "count": None, "error": "", "marked": None}
    try:
        members, count = await service.preview(db, rule=rule, limit=SHOWN)
    except ValidationFailed as exc:
        return {"members": [], "count": None, "error": exc.message, "marked": _marked(rule, exc)}
    return {"members": members, "count": count, "error": "", "marked": None}


async def _page(
    request: Request, caller: Any, db: Database, rule: str, name: str, status: int = 200
) -> Response:
    tried = await _tried(db, rule)
    listed = await service.list_all(db)
    counts = {s.id: await service.count(db, s.id) for s in listed}
    return page(
        request,
        "segments.jinja",
        caller=caller,
        status_code=422 if tried["error"] else status,
        title="Segments",
        segments=listed,
        counts=counts,
        rule=rule,
        name=name,
        **tried,
    )


@router.get("", **requires(Permission.READ))
async def segments_page(
    request: Request,
    caller: Person,
    db: Db,
    rule: Annotated[str, Query(max_length=10_000)] = "",
    name: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    return await _page(request, caller, db, rule, name)


@router.post("", **requires(Permission.WRITE, audit=Action.SEGMENT_SAVE))
async def save_segment(
    request: Request,
    caller: Person,
    db: Db,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    rule: Annotated[str, Form(min_length=1, max_length=10_000)],
    note: Note,
) -> Response:
    try:
        saved = await service.create(db, SegmentCreate(name=name, rule=rule))
    except ValidationFailed:
        note.done = False
        return await _page(request, caller, db, rule, name)
    note.target = Action.SEGMENT_SAVE.target(saved.id)
    return RedirectResponse(f"/app/segments?{urlencode({'rule': rule})}", status_code=303)
