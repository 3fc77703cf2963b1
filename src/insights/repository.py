"""Aggregate queries for analytics (read-only, over contact, event and delivery)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.db import Database, record


async def contact_overview(db: Database, since: datetime) -> dict[str, Any]:
    results = await db.query(
        "SELECT count() AS n FROM contact GROUP ALL;"
        "SELECT status, count() AS n FROM contact GROUP BY status;"
        "SELECT source, count() AS n FROM contact GROUP BY source;"
        "SELECT count() AS n FROM contact WHERE consent_explicit = true GROUP ALL;"
        "SELECT count() AS n FROM contact WHERE last_engaged_at > $since GROUP ALL;"
        "SELECT count() AS n FROM contact WHERE created_at > $since GROUP ALL;",
        {"since": since},
    )
    total, status, source, consent, engaged, new = results

    def n(rows: list[dict[str, Any]]) -> int:
        return int(rows[0]["n"]) if rows else 0

    return {
        "total": n(total),
        "by_status": {r["status"]: int(r["n"]) for r in status},
        "by_source": {r["source"]: int(r["n"]) for r in source},
        "explicit_consent": n(consent),
        "engaged_recently": n(engaged),
        "new_recently": n(new),
    }


async def campaign_events(db: Database, campaign: str) -> dict[str, int]:
    """Distinct contacts per engagement kind for the campaign (from the timeline), and
    bounced deliveries."""
    results = await db.query(
        "SELECT kind, count(array::distinct(contacts)) AS n FROM ("
        " SELECT kind, array::group(contact) AS contacts FROM event"
        " WHERE data.campaign = $c AND kind IN ['form_submitted', 'unsubscribed']"
        " GROUP BY kind);"
        "SELECT count() AS n FROM delivery WHERE campaign = $cr AND bounced_at != NONE GROUP ALL;",
        {"c": campaign, "cr": record("campaign", campaign)},
    )
    counts = {r["kind"]: int(r["n"]) for r in results[0]}
    counts["bounced"] = int(results[1][0]["n"]) if results[1] else 0
    return counts
