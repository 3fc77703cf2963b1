"""Lock an account, or an IP address, after too many failed sign-ins in a while.

`login_max_failures` failures of one account (or `login_max_failures_per_ip` from one address)
within `login_window_minutes` lock it for `login_lockout_minutes`: every sign-in, even with
the right password, is then refused with the time to retry. A successful sign-in clears the
account's count (not the address's: one good password must not reset a guesser's count).
Unknown emails count like known ones, so the answer tells nothing about who has an account."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.logins import repository
from crm.db import Database
from kernel.errors import RateLimited
from kernel.settings import Settings


@dataclass(frozen=True)
class _Counter:
    key: str
    limit: int
    whom: str  # for the message


def _counters(email: str, ip: str, settings: Settings) -> list[_Counter]:
    counters = [
        _Counter(f"account:{email.strip().lower()[:320]}", settings.login_max_failures, "account")
    ]
    if ip:
        counters.append(_Counter(f"ip:{ip}", settings.login_max_failures_per_ip, "address"))
    return counters


def _locked_until(failures: list[datetime], limit: int, settings: Settings) -> datetime | None:
    """The end of the latest lock: `limit` failures within the window lock from the last."""
    window = timedelta(minutes=settings.login_window_minutes)
    lockout = timedelta(minutes=settings.login_lockout_minutes)
    ends = [
        failures[i] + lockout
        for i in range(limit - 1, len(failures))
        if failures[i] - failures[i - limit + 1] <= window
    ]
    return max(ends, default=None)


async def check(system: Database, email: str, ip: str, settings: Settings, now: datetime) -> None:
    """Raises RateLimited while the account or the address is locked."""
    horizon = now - timedelta(
        minutes=settings.login_window_minutes + settings.login_lockout_minutes
    )
    for counter in _counters(email, ip, settings):
        failures = await repository.since(system, counter.key, horizon)
        until = _locked_until(failures, counter.limit, settings)
        if until is not None and until > now:
            wait = math.ceil((until - now).total_seconds())
            raise RateLimited(
                f"too many failed sign-ins for this {counter.whom}: try again after "
                f"{until:%H:%M} UTC (in {math.ceil(wait / 60)} min)",
                details={"retry_after": str(wait), "locked_until": until.isoformat()},
            )


async def failed(system: Database, email: str, ip: str, settings: Settings, now: datetime) -> None:
    forget = now - timedelta(minutes=settings.login_window_minutes + settings.login_lockout_minutes)
    await repository.add(system, [c.key for c in _counters(email, ip, settings)], now, forget)


async def succeeded(system: Database, email: str, settings: Settings) -> None:
    await repository.clear(system, _counters(email, "", settings)[0].key)
