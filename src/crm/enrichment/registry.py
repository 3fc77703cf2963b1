"""The deterministic enrichers, in the order they run (later ones see earlier ones' values)."""

from __future__ import annotations

from crm.enrichment.enrichers import company, country, email, name, phone, title
from crm.enrichment.models import Enricher

DETERMINISTIC: tuple[Enricher, ...] = (
    email.ENRICHER,
    company.ENRICHER,
    name.ENRICHER,
    country.ENRICHER,
    phone.ENRICHER,
    title.ENRICHER,
)
