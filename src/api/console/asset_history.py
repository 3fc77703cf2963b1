"""`/app/campaigns/{ref}/assets/{channel}/{variant}/history`: an asset's versions (who wrote
each, when: a hand edit names the workspace member by email) and a version's changes against
the one before it, as a line diff of each text part."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from fastapi import Query, Request, Response

from accounts.roles import Permission
from accounts.users.service import members
from api.console.deps import Person, console_router
from api.console.render import page
from api.deps import System
from api.permissions import requires
from api.tenancy import Db
from campaigns import assets
from campaigns.models import Asset

router = console_router(prefix="/app/campaigns/{ref}/assets/{channel}/{variant}")
# The parts a person reads and edits, in the order the page shows them.
PARTS = ("subject", "preheader", "body", "text", "full_text")


@dataclass(frozen=True)
class Line:
    kind: str  # "add", "del", "same" or "hunk"
    text: str


@dataclass(frozen=True)
class PartDiff:
    part: str
    lines: list[Line]


def _text(content: dict[str, Any], part: str) -> str:
    value = content.get(part)
    return value if isinstance(value, str) else ""


def diff(before: Asset | None, after: Asset) -> list[PartDiff]:
    """What changed in each text part from `before` (None: the first version) to `after`."""
    old = before.content if before else {}
    changed = []
    for part in PARTS:
        a, b = _text(old, part), _text(after.content, part)
        if a == b:
            continue
        lines = []
        for raw in list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm=""))[2:]:
            kind = {"+": "add", "-": "del", "@": "hunk"}.get(raw[:1], "same")
            lines.append(Line(kind, raw if kind == "hunk" else raw[1:]))
        changed.append(PartDiff(part, lines))
    return changed


@router.get("/history", **requires(Permission.READ))
async def history_page(
    request: Request,
    caller: Person,
    db: Db,
    system: System,
    ref: str,
    channel: str,
    variant: str,
    version: int | None = Query(default=None, ge=1),
) -> Response:
    versions = await assets.versions(db, ref, channel, variant)
    by_number = {v.version: v for v in versions}
    shown = by_number.get(version or versions[-1].version, versions[-1])
    earlier = [v for v in versions if v.version < shown.version]  # oldest first
    before = earlier[-1] if earlier else None
    return page(
        request,
        "asset_history.jinja",
        caller=caller,
        title=f"History of the {channel} asset {variant}",
        campaign=shown.campaign,
        channel=channel,
        variant=variant,
        versions=list(reversed(versions)),
        shown=shown,
        before=before,
        changes=diff(before, shown),
        names={f"user:{m.user}": m.email for m in await members(system, caller.workspace.id)},
    )
