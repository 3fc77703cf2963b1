"""Schedules and the worker, on the database or through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cli.client.http import Api, seg
from cli.output import fail
from crm.db import Database
from kernel.settings import Settings
from scheduling import service
from scheduling.clock import SystemClock
from scheduling.jobs import production_job
from scheduling.models import Kind, Run, Schedule, ScheduleCreate, Timing
from scheduling.worker import serve


class Schedules(Protocol):
    async def create(self, kind: Kind, target: str, timing: Timing) -> Schedule: ...

    async def list_schedules(self, campaign: str | None) -> list[Schedule]:
        """Every schedule, or one campaign's."""

    async def show(self, key: str, runs: int) -> tuple[Schedule, list[Run]]:
        """The schedule and its latest `runs`."""

    async def pause(self, key: str) -> Schedule: ...

    async def resume(self, key: str) -> Schedule: ...

    async def delete(self, key: str) -> None: ...

    async def work(self) -> None:
        """Run due schedules until stopped (`crm worker`)."""


@dataclass
class LocalSchedules:
    db: Database
    settings: Settings

    async def create(self, kind: Kind, target: str, timing: Timing) -> Schedule:
        data = ScheduleCreate(kind=kind, target=target, **timing.model_dump())
        return await service.create(self.db, data, clock=SystemClock())

    async def list_schedules(self, campaign: str | None) -> list[Schedule]:
        if campaign:
            return await service.list_schedules(self.db, kind=Kind.CAMPAIGN.value, target=campaign)
        return await service.list_schedules(self.db)

    async def show(self, key: str, runs: int) -> tuple[Schedule, list[Run]]:
        schedule = await service.require(self.db, key)
        return schedule, await service.runs(self.db, schedule=key, limit=runs)

    async def pause(self, key: str) -> Schedule:
        return await service.pause(self.db, key, clock=SystemClock())

    async def resume(self, key: str) -> Schedule:
        return await service.resume(self.db, key, clock=SystemClock())

    async def delete(self, key: str) -> None:
        await service.delete(self.db, key, clock=SystemClock())

    async def work(self) -> None:
        await serve(self.db, self.settings, production_job(self.settings))


@dataclass
class RemoteSchedules:
    api: Api

    async def create(self, kind: Kind, target: str, timing: Timing) -> Schedule:
        if kind != Kind.CAMPAIGN:
            raise fail("enrichment schedules work only on the database: stop the server first")
        body = timing.model_dump(mode="json", exclude_defaults=True)
        return Schedule.model_validate(
            await self.api.post(f"campaigns/{seg(target)}/schedules", body)
        )

    async def list_schedules(self, campaign: str | None) -> list[Schedule]:
        if not campaign:
            raise fail("through the server, list one campaign's schedules: add --campaign ID")
        found = await self.api.get(f"campaigns/{seg(campaign)}/schedules")
        return [Schedule.model_validate(s) for s in found["items"]]

    async def show(self, key: str, runs: int) -> tuple[Schedule, list[Run]]:
        found = await self.api.get(f"schedules/{seg(key)}", runs=runs)
        return Schedule.model_validate(found), [Run.model_validate(r) for r in found["runs"]]

    async def pause(self, key: str) -> Schedule:
        return Schedule.model_validate(await self.api.post(f"schedules/{seg(key)}/pause"))

    async def resume(self, key: str) -> Schedule:
        return Schedule.model_validate(await self.api.post(f"schedules/{seg(key)}/resume"))

    async def delete(self, key: str) -> None:
        await self.api.delete("schedules", key)

    async def work(self) -> None:
        raise self.api.cannot()
