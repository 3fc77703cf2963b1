"""Phone number -> E.164 form, and the country it belongs to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import phonenumbers

from crm.enrichment.models import Enricher, Proposal


def propose(contact: Mapping[str, Any]) -> list[Proposal]:
    raw = contact.get("phone")
    if not raw:
        return []
    country = contact.get("country") or ""
    try:
        number = phonenumbers.parse(raw, country.upper() if len(country) == 2 else None)
    except phonenumbers.NumberParseException:
        return []
    if not phonenumbers.is_valid_number(number):
        return []
    found = []
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if e164 != raw:
        found.append(Proposal("phone", e164, 0.95, f"'{raw}' in E.164 form", normalizes=True))
    region = phonenumbers.region_code_for_number(number)
    if region and region != "001" and not contact.get("country"):
        found.append(Proposal("country", region, 0.9, f"phone number {e164} is in {region}"))
    return found


ENRICHER = Enricher("phone", 1, ("phone", "country"), ("phone", "country"), propose)
