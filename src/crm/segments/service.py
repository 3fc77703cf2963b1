"""Segment rules: unique names, rules that must compile, counting, previews and snapshots."""

from __future__ import annotations

from typing import Any

from crm.contacts import service as contacts
from crm.contacts.models import Contact
from crm.contacts.repository import ContactFilter
from crm.db import Database
from crm.paging import check_limit
from crm.segments import campaign_lookup, repository
from crm.segments.models import Rule, Segment, SegmentCreate, SegmentUpdate, Snapshot, name_key
from crm.segments.rules import campaign_refs, compile_rule, parse_rule
from kernel.errors import Conflict, NotFound


async def compiled(db: Database, rule: Rule) -> tuple[str, dict[str, Any]]:
    """The rule compiled now (relative dates count from this moment), the campaigns it names
    looked up once, for `ContactFilter(rule=…)` and anyone else selecting its contacts."""
    node = parse_rule(rule)
    refs = sorted(set(campaign_refs(node)))
    campaigns = await campaign_lookup.installed()(db, refs) if refs else {}
    return compile_rule(node, campaigns=campaigns)


async def create(db: Database, data: SegmentCreate) -> Segment:
    await compiled(db, data.rule)  # a segment is saved only with a rule that works
    row = data.model_dump(exclude_none=True) | {"name_key": name_key(data.name)}
    try:
        created = await repository.create(db, row)
    except Conflict:
        raise Conflict(f"a segment named {data.name!r} already exists") from None
    return Segment.model_validate(created)


async def get(db: Database, ref: str) -> Segment | None:
    """By id or by name (case-insensitive)."""
    row = await repository.get(db, ref.strip()) or await repository.find(db, name_key(ref))
    return Segment.model_validate(row) if row else None


async def require(db: Database, ref: str) -> Segment:
    segment = await get(db, ref)
    if segment is None:
        raise NotFound(f"no segment {ref!r}")
    return segment


async def list_all(db: Database) -> list[Segment]:
    return [Segment.model_validate(r) for r in await repository.list_all(db)]


async def update(db: Database, ref: str, data: SegmentUpdate) -> Segment:
    segment = await require(db, ref)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude_none=True)
    if data.rule is not None:
        await compiled(db, data.rule)
    if data.name is not None:
        changes["name_key"] = name_key(data.name)
    if not changes:
        return segment
    try:
        updated = await repository.update(db, segment.id, changes)
    except Conflict:
        raise Conflict(f"a segment named {data.name!r} already exists") from None
    return Segment.model_validate(updated)


async def delete(db: Database, ref: str) -> None:
    segment = await require(db, ref)
    await repository.delete(db, segment.id)


async def rule_for(db: Database, ref: str) -> tuple[str, dict[str, Any]]:
    """The segment's rule, compiled now."""
    return await compiled(db, (await require(db, ref)).rule)


async def count(db: Database, ref: str | None = None, *, rule: Rule | None = None) -> int:
    """Contacts in a saved segment, or matching an ad-hoc `rule`."""
    return await repository.count(db, await _selecting(db, ref, rule))


async def preview(
    db: Database, ref: str | None = None, *, rule: Rule | None = None, limit: int = 20
) -> tuple[list[Contact], int]:
    """The first `limit` members (in id order) and how many there are in all."""
    selecting = await _selecting(db, ref, rule)
    return await contacts.first_and_count(db, ContactFilter(rule=selecting), limit=limit)


async def snapshot(db: Database, ref: str) -> Snapshot:
    segment = await require(db, ref)
    row = await repository.snapshot(
        db, segment.id, segment.name, segment.rule, await compiled(db, segment.rule)
    )
    return Snapshot.model_validate(row)


async def get_snapshot(db: Database, snapshot_id: str) -> Snapshot | None:
    row = await repository.get_snapshot(db, snapshot_id)
    return Snapshot.model_validate(row) if row else None


async def snapshots(db: Database, ref: str) -> list[Snapshot]:
    segment = await require(db, ref)
    return [Snapshot.model_validate(r) for r in await repository.snapshots_of(db, segment.id)]


async def snapshot_members(
    db: Database, snapshot_id: str, *, after: str | None = None, limit: int = 500
) -> list[str]:
    """Contact ids frozen in a snapshot, in id order; pass the last id as `after` for more."""
    if await repository.get_snapshot(db, snapshot_id) is None:
        raise NotFound(f"no segment snapshot {snapshot_id!r}")
    return await repository.members(db, snapshot_id, after=after, limit=check_limit(limit))


async def _selecting(
    db: Database, ref: str | None, rule: Rule | None
) -> tuple[str, dict[str, Any]]:
    if rule is not None:
        return await compiled(db, rule)
    if ref is None:
        raise ValueError("give a segment or a rule")
    return await rule_for(db, ref)


async def contact_filter(
    db: Database,
    segment: str | None = None,
    *,
    tag: str | None = None,
    status: str | None = None,
    company: str | None = None,
    text: str | None = None,
) -> ContactFilter:
    """The contacts filter of a listing or export: these fields, within `segment` if given."""
    rule = await rule_for(db, segment) if segment else None
    return ContactFilter(tag=tag, status=status, company=company, text=text, rule=rule)
