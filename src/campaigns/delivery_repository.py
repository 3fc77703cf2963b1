"""All SurrealQL of delivery records (`delivery`): queueing, the executor's claims and
outcomes, crash recovery, counts, the frequency limit's look-back, opens, clicks, bounces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crm.db import Database, plain, record
from crm.paging import in_batches, is_safe_key
from crm.wire import RecordID


async def delete_unsent(db: Database, campaign: str, round_key: str) -> None:
    """Forget the deliveries that reached nobody: every queued one, and the round's skipped
    ones (a contact skipped for the frequency limit or missing consent is tried again)."""
    await db.query(
        "DELETE delivery WHERE campaign = $c"
        " AND (state = 'queued' OR (state = 'skipped' AND round = $round))",
        {"c": record("campaign", campaign), "round": round_key},
    )


async def insert_deliveries(db: Database, rows: list[dict[str, Any]]) -> None:
    """Queue deliveries; one that exists already (same campaign, contact, channel) is kept."""
    if not rows:
        return
    stored = [
        {
            **row,
            "campaign": record("campaign", row["campaign"]),
            "contact": record("contact", row["contact"]) if row.get("contact") else None,
        }
        for row in rows
    ]
    # INSERT IGNORE does not consult unique indexes in this engine; this form does.
    await db.query(
        "INSERT INTO delivery $rows ON DUPLICATE KEY UPDATE channel = channel RETURN NONE",
        {"rows": stored},
    )


# The contact fields that skip rules and channels read. Decoding whole contact records was a
# large share of the executor's time; a channel that needs another field adds it here. Ids and
# times come as strings: the SDK decodes a tagged record id or datetime about ten times slower.
SEND_FIELDS = (
    "id: record::id(id), email, first_name, last_name, company_name: company.name, custom,"
    " status, consent_explicit: consent_explicit ?? false, created_at: <string> created_at"
)


async def queued_pages(
    db: Database, campaign: str, channel: str, size: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """The channel's deliveries queued when this starts, `size` at a time in key order, each
    with its contact's SEND_FIELDS as `person` (None for campaign-level posts and for contacts
    deleted since approval); one sent or skipped meanwhile is left out.

    Found by key (crm.paging.in_batches): paged from a cursor, the executor sent 1,293
    messages a second at 100,000 contacts, against 1,692 at 10,000."""
    keys = await db.one(
        "SELECT VALUE record::id(id) FROM delivery"
        " WHERE campaign = $c AND channel = $ch AND state = 'queued'",
        {"c": record("campaign", campaign), "ch": channel},
    )
    for batch in in_batches(sorted(keys), size):
        rows: list[dict[str, Any]] = await db.one(
            f"SELECT record::id(id) AS id, contact.{{{SEND_FIELDS}}} AS person"  # noqa: S608
            " FROM $ids WHERE state = 'queued'",
            {"ids": _records(batch)},
        )
        if rows:
            yield rows


async def skip(db: Database, skipped: list[tuple[str, str]]) -> None:
    """Mark queued deliveries skipped with their reasons, in one transaction."""
    if not skipped:
        return
    by_reason: dict[str, list[Any]] = {}
    for key, reason in skipped:
        by_reason.setdefault(reason, []).append(record("delivery", key))
    statements = ["BEGIN"]
    params: dict[str, Any] = {"now": _now()}
    for n, (reason, ids) in enumerate(by_reason.items()):
        # Only the statement number is formatted in; every value is a bound parameter.
        # `UPDATE $ids` reads just those records; `WHERE id IN` would scan the table.
        statements.append(
            f"UPDATE $ids{n} SET state = 'skipped', reason = $r{n}, updated_at = $now"  # noqa: S608
            " WHERE state = 'queued' RETURN NONE"
        )
        params[f"r{n}"], params[f"ids{n}"] = reason, ids
    statements.append("COMMIT")
    await db.query(";\n".join(statements), params)


Completion = tuple[str, dict[str, Any]]

# The hot path gets delivery keys back as strings: the SDK decodes a tagged record id about ten
# times slower than a string, several per message (on a server; crm.wire's codec is fast).
_CLAIM = (
    "UPDATE $claim SET state = 'sending', attempts += 1,"
    " claimed_by = $run, claimed_at = $now, updated_at = $now WHERE state = 'queued'"
    " RETURN VALUE [record::id(id), attempts]"
)
# A sent outcome (the common case) is a bare key: the Message-ID is derived from the delivery
# key (channels.message_id), so there is no per-row value to write.
_COMPLETE = (
    "UPDATE $sent SET state = 'sent', sent_at = $now,"
    " reason = NONE, updated_at = $now WHERE state = 'sending' AND claimed_by = $run RETURN NONE;"
    "FOR $row IN $other { UPDATE $row.id MERGE $row.outcome"
    " WHERE state = 'sending' AND claimed_by = $run RETURN NONE }"
)


async def claim(
    db: Database, keys: list[str], run: str, *, complete: list[Completion] | None = None
) -> dict[str, int]:
    """queued -> sending for this run, for those of `keys` still queued; returns key ->
    attempt number (a key another run took, or skipped meanwhile, is absent).

    `complete` records earlier deliveries' outcomes in the same round trip: a worker finishes
    one group of messages and claims the next with one query.
    """
    params: dict[str, Any] = {"claim": _records(keys), "run": run, "now": _now()}
    sql = _CLAIM
    if complete:
        sql = f"{_COMPLETE};\n{_CLAIM}"
        params.update(_completions(complete))
    results = await db.query(sql, params)
    return {key: int(attempts) for key, attempts in results[-1] or []}


async def complete(db: Database, done: list[Completion], run: str) -> None:
    """sending -> each outcome (sent, failed, review, queued again for a retry or an unsent
    claim), for deliveries this run claimed. `sent_at` is when the outcome is written."""
    if done:
        await db.query(_COMPLETE, {"run": run, **_completions(done)})


def _completions(done: list[Completion]) -> dict[str, Any]:
    now = _now()
    sent = _records([k for k, o in done if o["state"] == "sent"])
    other = [
        {"id": record("delivery", k), "outcome": {**o, "updated_at": now}}
        for k, o in done
        if o["state"] != "sent"
    ]
    return {"sent": sent, "other": other, "now": now}


def _records(keys: list[str]) -> list[RecordID]:
    return [record("delivery", k) for k in keys]


async def fail_queued(db: Database, campaign: str, channel: str, reason: str) -> int:
    """Every queued delivery of a channel that cannot send -> failed (retryable); how many."""
    results = await db.query(
        "BEGIN;"
        "count(SELECT VALUE id FROM delivery"
        " WHERE campaign = $c AND channel = $ch AND state = 'queued');"
        "UPDATE delivery SET state = 'failed', retryable = true, reason = $r, updated_at = $now"
        " WHERE campaign = $c AND channel = $ch AND state = 'queued' RETURN NONE;"
        "COMMIT;",
        {"c": record("campaign", campaign), "ch": channel, "r": reason, "now": _now()},
    )
    return int(results[-2])


async def left_sending(db: Database, campaign: str, idempotent: list[str]) -> list[tuple[str, str]]:
    """(key, the run that claimed it) of deliveries left `sending` on the channels not in
    `idempotent`."""
    rows = await db.one(
        "SELECT record::id(id) AS id, claimed_by FROM delivery"
        " WHERE campaign = $c AND state = 'sending' AND channel NOTINSIDE $idem",
        {"c": record("campaign", campaign), "idem": idempotent},
    )
    return [(r["id"], r["claimed_by"]) for r in rows]


async def recover(
    db: Database, campaign: str, idempotent: list[str], unsent: list[str], sent: list[str]
) -> dict[str, int]:
    """After a crash: deliveries left `sending` are re-queued on channels where a repeat is
    harmless and elsewhere when `unsent` (never handed to the channel), recorded as sent when
    `sent` (went out, sent when claimed), and marked for review otherwise; retryable failures
    are queued again."""
    c = record("campaign", campaign)
    results = await db.query(
        "BEGIN;"
        "UPDATE delivery SET state = 'queued', updated_at = $now"
        " WHERE campaign = $c AND state = 'sending' AND channel IN $idem RETURN VALUE id;"
        "UPDATE $unsent SET state = 'queued',"
        " attempts -= 1, updated_at = $now WHERE campaign = $c AND state = 'sending'"
        " RETURN VALUE id;"
        "UPDATE $sent SET state = 'sent',"
        " sent_at = claimed_at, reason = NONE, updated_at = $now"
        " WHERE campaign = $c AND state = 'sending' RETURN VALUE id;"
        "UPDATE delivery SET state = 'review', reason = 'outcome unknown: interrupted while"
        " sending', updated_at = $now"
        " WHERE campaign = $c AND state = 'sending' AND channel NOTINSIDE $idem RETURN VALUE id;"
        "UPDATE delivery SET state = 'queued', retryable = false, updated_at = $now"
        " WHERE campaign = $c AND state = 'failed' AND retryable = true RETURN VALUE id;"
        "COMMIT;",
        {
            "c": c,
            "idem": idempotent,
            "unsent": _records(unsent),
            "sent": _records(sent),
            "now": _now(),
        },
    )
    names = ("requeued", "unsent", "sent", "review", "retried")
    return {name: len(r or []) for name, r in zip(names, results[-5:], strict=True)}


async def counts(db: Database, campaign: str) -> list[dict[str, Any]]:
    rows = await db.one(
        "SELECT channel, state, count() AS n FROM delivery WHERE campaign = $c"
        " GROUP BY channel, state",
        {"c": record("campaign", campaign)},
    )
    return [dict(r) for r in rows]


async def count_retryable(db: Database, campaign: str) -> int:
    rows = await db.one(
        "SELECT count() AS n FROM delivery WHERE campaign = $c AND state = 'failed'"
        " AND retryable = true GROUP ALL",
        {"c": record("campaign", campaign)},
    )
    return int(rows[0]["n"]) if rows else 0


async def engagement(db: Database, campaign: str) -> dict[str, int]:
    rows = await db.one(
        "SELECT count(opened_at != NONE) AS opened, count(clicks > 0) AS clicked"
        " FROM delivery WHERE campaign = $c GROUP ALL",
        {"c": record("campaign", campaign)},
    )
    return {"opened": rows[0]["opened"], "clicked": rows[0]["clicked"]} if rows else {}


async def skip_reasons(db: Database, campaign: str) -> dict[str, int]:
    rows = await db.one(
        "SELECT reason, count() AS n FROM delivery WHERE campaign = $c AND state = 'skipped'"
        " GROUP BY reason",
        {"c": record("campaign", campaign)},
    )
    return {r["reason"]: r["n"] for r in rows}


async def deliveries(
    db: Database, campaign: str, *, state: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    rows = await db.one(
        "SELECT * FROM delivery WHERE campaign = $c AND ($state = NONE OR state = $state)"
        " LIMIT $limit",
        {"c": record("campaign", campaign), "state": state, "limit": limit},
    )
    return [dict(plain(r)) for r in rows]


async def in_review(db: Database, campaign: str, *, limit: int) -> list[dict[str, Any]]:
    """The campaign's deliveries in review, each with its contact's address as `email`."""
    rows = await db.one(
        "SELECT id, campaign, channel, contact, reason, contact.email AS email FROM delivery"
        " WHERE campaign = $c AND state = 'review' LIMIT $limit",
        {"c": record("campaign", campaign), "limit": limit},
    )
    return [dict(plain(r)) for r in rows]


async def resolve_review(db: Database, campaign: str, keys: list[str], outcome: str) -> int:
    """review -> sent (it did go out: sent when it was claimed, as far as anyone knows, so
    the frequency limit and the timeline count it) or queued (it did not: send it)."""
    rows = await db.one(
        "UPDATE delivery SET state = $state, reason = NONE, updated_at = $now,"
        " sent_at = IF $state = 'sent' THEN claimed_at ?? $now END"
        " WHERE id IN $ids AND campaign = $c AND state = 'review' RETURN VALUE id",
        {
            "ids": [record("delivery", k) for k in keys if is_safe_key(k)],
            "c": record("campaign", campaign),
            "state": outcome,
            "now": _now(),
        },
    )
    return len(rows)


# An email another campaign ($c) sent after $since: what the frequency limit counts.
_EMAILED_BY_OTHERS = "channel = 'email' AND state = 'sent' AND sent_at > $since AND campaign != $c"


async def recently_emailed(
    db: Database, contacts: list[str], *, since: datetime, exclude_campaign: str
) -> set[str]:
    """Contacts among `contacts` sent an email by another campaign after `since`."""
    if not contacts:
        return set()
    rows = await db.one(
        # Only the constant above is formatted in; every value is a bound parameter.
        "SELECT VALUE contact FROM delivery"  # noqa: S608
        f" WHERE contact IN $contacts AND {_EMAILED_BY_OTHERS}",
        {
            "contacts": [record("contact", k) for k in contacts],
            "since": since,
            "c": record("campaign", exclude_campaign),
        },
    )
    return {plain(r) for r in rows}


async def emailed_since(
    db: Database, since: datetime, *, exclude_campaign: str
) -> dict[str, datetime]:
    """contact -> its latest email after `since` from a campaign other than this one (a range
    of the sent_at index)."""
    rows = await db.one(
        "SELECT record::id(contact) AS p, sent_at FROM delivery"  # noqa: S608
        f" WHERE {_EMAILED_BY_OTHERS} AND contact != NONE",
        {"since": since, "c": record("campaign", exclude_campaign)},
    )
    latest: dict[str, datetime] = {}
    for row in rows:
        if row["sent_at"] > latest.get(row["p"], since):
            latest[row["p"]] = row["sent_at"]
    return latest


async def get_delivery(db: Database, key: str) -> dict[str, Any] | None:
    if not is_safe_key(key):
        return None
    rows = await db.one("SELECT * FROM $id", {"id": record("delivery", key)})
    return dict(plain(rows[0])) if rows else None


async def get_delivery_of(db: Database, key: str, campaign: str) -> dict[str, Any] | None:
    """The delivery if it belongs to `campaign`."""
    if not (is_safe_key(key) and is_safe_key(campaign)):
        return None
    rows = await db.one(
        "SELECT * FROM $id WHERE campaign = $c",
        {"id": record("delivery", key), "c": record("campaign", campaign)},
    )
    return dict(plain(rows[0])) if rows else None


async def mark_opened(db: Database, key: str) -> bool:
    """True for the first open only."""
    rows = await db.one(
        "UPDATE $id SET opened_at = $now WHERE opened_at = NONE RETURN VALUE id",
        {"id": record("delivery", key), "now": _now()},
    )
    return bool(rows)


async def add_click(db: Database, key: str) -> bool:
    """Count a click; a click is also an open (images are often blocked). True when this
    click is the delivery's first sign of an open."""
    results = await db.query(
        "UPDATE $id SET opened_at = $now WHERE opened_at = NONE RETURN VALUE id;"
        "UPDATE $id SET clicks += 1 RETURN NONE",
        {"id": record("delivery", key), "now": _now()},
    )
    return bool(results[0])


async def mark_bounced(db: Database, key: str) -> None:
    await db.query(
        "UPDATE $id SET bounced_at = $now RETURN NONE",
        {"id": record("delivery", key), "now": _now()},
    )


def _now() -> datetime:
    return datetime.now(UTC)


async def sent_to_contact(db: Database, contact: str, *, limit: int) -> list[dict[str, Any]]:
    """The contact's deliveries that went out (`sent_at` is only ever set then), newest first."""
    rows = await db.one(
        "SELECT channel, sent_at, record::id(campaign) AS campaign FROM delivery"
        " WHERE contact = $id AND sent_at != NONE ORDER BY sent_at DESC LIMIT $limit",
        {"id": record("contact", contact), "limit": limit},
    )
    return [dict(r) for r in rows]


async def bounced_count(db: Database, campaign: str) -> int:
    rows = await db.one(
        "SELECT count() AS n FROM delivery WHERE campaign = $c AND bounced_at != NONE GROUP ALL",
        {"c": record("campaign", campaign)},
    )
    return int(rows[0]["n"]) if rows else 0


async def sent_per_day(db: Database, since: datetime, until: datetime) -> dict[date, int]:
    """Deliveries sent in [since, until) per day from `since` (midnight UTC for UTC days): one
    count per day over a range of the sent_at index, answered from its entries (ten times
    quicker at 100k than grouping the records; one field, so the engine's count is right)."""
    bounds = [since]
    while bounds[-1] + timedelta(days=1) < until:
        bounds.append(bounds[-1] + timedelta(days=1))
    bounds.append(until)
    # Only parameter names ($b0, $b1, …) are spliced; the times are bound.
    counts = [
        f"SELECT count() AS n FROM delivery WHERE sent_at >= $b{i} AND sent_at < $b{i + 1}"  # noqa: S608
        " GROUP ALL"
        for i in range(len(bounds) - 1)
    ]
    results = await db.query(";".join(counts), {f"b{i}": b for i, b in enumerate(bounds)})
    return {
        day.date(): int(rows[0]["n"])
        for day, rows in zip(bounds[:-1], results, strict=True)
        if rows and rows[0]["n"]
    }
