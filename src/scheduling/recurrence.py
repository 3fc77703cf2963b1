"""When occurrences fall: wall-clock times in an IANA zone, turned into UTC instants.

Cron expressions are evaluated on local wall time (croniter on naive datetimes) and each
candidate is then placed in the zone with zoneinfo, so "09:00" stays 09:00 across DST changes.
Two rules for the hours a DST change creates or removes:
- a wall time that does not exist (spring forward) runs at the same offset before the change,
  which is the moment the clock jumps past it (02:30 -> 03:30 in Berlin): never silently dropped;
- a wall time that happens twice (fall back) runs once, at its first (pre-change) instance.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kernel.errors import ValidationFailed

# A cron expression that matches nothing (Feb 30) would make the search below spin forever.
_MAX_CANDIDATES = 10_000


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin or UTC",
            details={"tz": name},
        ) from None


def check_cron(expr: str) -> str:
    from croniter import croniter  # imported here: `crm --help` must not pay for it

    cleaned = " ".join(expr.split())
    if len(cleaned.split(" ")) != 5 or not croniter.is_valid(cleaned):
        raise ValidationFailed(
            f"invalid cron expression {expr!r}; expected five fields like '0 9 * * MON'",
            details={"cron": expr},
        )
    return cleaned


def place(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall time in `tz` -> the UTC instant it stands for (rules above)."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def localize(at: datetime, tz_name: str) -> datetime:
    """`--at`: naive means wall time in the schedule's zone; an explicit offset is kept."""
    if at.tzinfo is None:
        return place(at, zone(tz_name))
    return at.astimezone(UTC)


def next_cron(expr: str, tz_name: str, after: datetime) -> datetime:
    """The first occurrence of `expr` in `tz_name` strictly after the instant `after`."""
    from croniter import croniter

    tz = zone(tz_name)
    # During a repeated hour the wall reading of `after` may be its second pass, so a candidate
    # can map (first pass) to an instant at or before `after`: those are skipped, not returned.
    candidates = croniter(expr, after.astimezone(tz).replace(tzinfo=None))
    for _ in range(_MAX_CANDIDATES):
        instant = place(candidates.get_next(datetime), tz)
        if instant > after:
            return instant
    raise ValidationFailed(f"cron expression {expr!r} has no upcoming occurrence")
