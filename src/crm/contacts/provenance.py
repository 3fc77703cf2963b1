"""How provenance is stored: one compact entry per enrichment run that changed a contact.

`contact.enrichment` maps a run key (`"<UTC time>#<run id>"`, so key order is time order) to
that run's entry: `{field: [enricher, confidence, reason, value, previous]}` as JSON text, with
`previous` only where the value replaced a non-empty one. The engine charges for every stored
value on this write and again on each later write of the contact, so one text per run costs a
fraction of an object per field. Read in key order, the entries give each field's current
provenance (the latest entry that set it) and the contact's "enriched" timeline events.

Entries migration 0012 converted from the earlier per-field objects are stored as objects
(SurrealQL cannot write JSON); their timeline events were stored as events back then, so they
add none here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def run_key(at: datetime, run: str) -> str:
    return f"{at.strftime(_TIME)}#{run}"


_JSON = json.JSONEncoder(separators=(",", ":"))


def encode(entry: Mapping[str, list[Any]]) -> str:
    """One run's entry from `{field: [enricher, confidence, reason, value[, previous]]}`."""
    return _JSON.encode(entry)


def _entries(log: Mapping[str, Any]) -> list[tuple[datetime, bool, dict[str, list[Any]]]]:
    """(when, written by a run, entry) in time order."""
    found = []
    for key in sorted(log):
        raw = log[key]
        at = datetime.fromisoformat(key.split("#", 1)[0])
        found.append((at, isinstance(raw, str), json.loads(raw) if isinstance(raw, str) else raw))
    return found


def _field(at: datetime, item: list[Any]) -> dict[str, Any]:
    enricher, confidence, reason, value, *rest = item
    found = {"enricher": enricher, "at": at, "confidence": confidence, "reason": reason,
             "value": value}  # fmt: skip
    return found | ({"previous": rest[0]} if rest and rest[0] is not None else {})


def current(log: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Field -> {enricher, at, confidence, reason, value[, previous]} of the value set last."""
    return {
        name: _field(at, item) for at, _, entry in _entries(log) for name, item in entry.items()
    }


def is_log(value: Mapping[str, Any]) -> bool:
    """Whether `value` is the stored form (run keys) rather than `current`'s (field names)."""
    return all("#" in key for key in value)


def events(log: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The "enriched" timeline events of the runs that wrote `log`, oldest first."""
    found = []
    for at, by_run, entry in _entries(log):
        if not by_run:
            continue
        changes = {name: item[3] for name, item in entry.items()}
        previous = {name: item[4] for name, item in entry.items() if len(item) > 4}
        data = {"changes": changes} | ({"previous": previous} if previous else {})
        found.append({"kind": "enriched", "at": at, "data": data})
    return found
