"""A contact's activity: its crm timeline with the messages campaigns sent to it."""

from __future__ import annotations

from typing import Any

from campaigns import service as campaigns
from crm.contacts import service as contacts
from crm.contacts.models import Contact, TimelineEvent
from crm.db import Database


async def history(db: Database, ref: str) -> tuple[Contact, list[TimelineEvent]]:
    """The contact and its timeline, newest first, the messages sent to it included."""

    async def sent(contact_key: str, limit: int) -> list[dict[str, Any]]:
        return [
            {
                "kind": f"{d['channel']}_sent",
                "at": d["sent_at"],
                "data": {"campaign": d["campaign"]},
            }
            for d in await campaigns.sent_to(db, contact_key, limit)
        ]

    return await contacts.history(db, ref, more=sent)
