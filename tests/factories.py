"""Test data builders with keyword-only arguments and defaults."""

from __future__ import annotations

from typing import Any

from crm.contacts import service as contacts
from crm.contacts.models import Contact, ContactCreate
from crm.db import Database


async def make_contact(
    db: Database, *, email: str = "ada@example.com", **fields: Any
) -> Contact:
    return await contacts.add(db, ContactCreate(email=email, **fields))
