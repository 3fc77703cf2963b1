"""Approval's check of an email campaign's merge fields against the members it will reach."""

from __future__ import annotations

from collections import Counter

from campaigns import delivery_repository, merge_fields, repository, variants
from campaigns.models import EMAIL, SEGMENT_VARIANT, Campaign
from crm.db import Database
from kernel.errors import ValidationFailed

PAGE = 500


async def check(db: Database, campaign: Campaign) -> None:
    """Refuse unknown merge fields, and fields without a fallback that members lack, with the
    number of contacts affected by each; run once the deliveries are queued."""
    if EMAIL not in campaign.channels:
        return
    found = await repository.latest_assets(db, campaign.id, EMAIL, [SEGMENT_VARIANT])
    default = found[SEGMENT_VARIANT]["content"]
    unknown = Counter({name: 0 for name in merge_fields.unknown(default)})
    lacking: Counter[str] = Counter()
    async for rows in delivery_repository.queued_pages(db, campaign.id, EMAIL, PAGE):
        contacts = {r["id"]: variants.contact_of(r.get("person")) for r in rows}
        personal = await variants.personal_assets(db, campaign, EMAIL, contacts)
        for contact in contacts.values():
            if contact is not None:
                content = personal.get(contact.id, default)
                unknown.update(merge_fields.unknown(content))
                lacking.update(merge_fields.lacking(content, contact))
    problems = [
        f"unknown merge field {{{{{name}}}}} ({_contacts(n)})"
        for name, n in sorted(unknown.items())
    ] + [
        f"{{{{{name}}}}} is empty for {_contacts(n)}: give it a fallback, e.g. {{{{{name}|…}}}}"
        for name, n in sorted(lacking.items())
    ]
    if problems:
        raise ValidationFailed(
            "; ".join(problems) + f" (merge fields: {', '.join(merge_fields.DOCUMENTED)})",
            details={"unknown": dict(unknown), "lacking": dict(lacking)},
        )


def _contacts(count: int) -> str:
    return f"{count} contact" + ("" if count == 1 else "s")
