"""What an LLM tool is told about a contact."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.contacts.models import Contact
from llm_tools.inputs import ContactProfile

_KNOWN = ("first_name", "last_name", "title", "country", "city")


def llm_profile(
    contact: Contact | Mapping[str, Any],
    *,
    company: str | None,
    email: bool = False,
    custom: bool = True,
) -> ContactProfile:
    """`contact` as a stored row or a model, `company` its company's name; the email address and
    the custom fields only when the tool needs them."""
    fields = contact.model_dump() if isinstance(contact, Contact) else contact
    return ContactProfile(
        **{f: fields.get(f) for f in _KNOWN},
        email=fields.get("email") if email else None,
        company=company,
        tags=fields.get("tags") or [],
        custom=(fields.get("custom") or {}) if custom else {},
    )
