"""Time as a dependency, so tests move it instead of sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> Awaitable[None]:
        """`await clock.sleep(s)`: an awaitable, so a fake clock can register the sleeper the
        moment it is asked, not when a task first runs it."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> Awaitable[None]:
        return asyncio.sleep(seconds)


class FakeClock:
    """A clock that stands still until `advance` moves it; sleepers wake when their time comes."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    @property
    def deadlines(self) -> list[datetime]:
        """When the current sleepers wake: tests wait for a task to reach its sleep."""
        return sorted(deadline for deadline, _ in self._sleepers)

    def sleep(self, seconds: float) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if seconds <= 0:
            future.set_result(None)
            return future
        self._sleepers.append((self._now + timedelta(seconds=seconds), future))
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: asyncio.Future[None]) -> None:
        self._sleepers = [s for s in self._sleepers if s[1] is not future]

    async def advance(self, seconds: float) -> None:
        """Move time on and wake the sleepers that are due (they run at the caller's next await)."""
        self._now += timedelta(seconds=seconds)
        for deadline, future in list(self._sleepers):
            if deadline <= self._now and not future.done():
                future.set_result(None)
        await asyncio.sleep(0)
