"""Segments, on the database or through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cli.client.http import Api, seg
from crm.contacts.models import Contact, Page
from crm.db import Database
from crm.segments import service
from crm.segments.models import Segment, SegmentCreate, SegmentUpdate, Snapshot


class Segments(Protocol):
    async def create(self, data: SegmentCreate) -> Segment: ...

    async def update(self, ref: str, data: SegmentUpdate) -> Segment: ...

    async def list_all(self) -> list[Segment]: ...

    async def show(self, ref: str) -> tuple[Segment, list[Snapshot]]: ...

    async def count(self, ref: str | None, rule: str | None) -> int:
        """Members of the saved segment `ref`, or of the ad-hoc `rule`."""

    async def preview(
        self, ref: str | None, rule: str | None, limit: int
    ) -> tuple[list[Contact], int]: ...

    async def snapshot(self, ref: str) -> Snapshot: ...

    async def delete(self, ref: str) -> None: ...


@dataclass
class LocalSegments:
    db: Database

    async def create(self, data: SegmentCreate) -> Segment:
        return await service.create(self.db, data)

    async def update(self, ref: str, data: SegmentUpdate) -> Segment:
        return await service.update(self.db, ref, data)

    async def list_all(self) -> list[Segment]:
        return await service.list_all(self.db)

    async def show(self, ref: str) -> tuple[Segment, list[Snapshot]]:
        return await service.require(self.db, ref), await service.snapshots(self.db, ref)

    async def count(self, ref: str | None, rule: str | None) -> int:
        return await service.count(self.db, ref, rule=rule)

    async def preview(
        self, ref: str | None, rule: str | None, limit: int
    ) -> tuple[list[Contact], int]:
        return await service.preview(self.db, ref, rule=rule, limit=limit)

    async def snapshot(self, ref: str) -> Snapshot:
        return await service.snapshot(self.db, ref)

    async def delete(self, ref: str) -> None:
        await service.delete(self.db, ref)


@dataclass
class RemoteSegments:
    api: Api

    async def create(self, data: SegmentCreate) -> Segment:
        body = data.model_dump(mode="json", exclude_unset=True)
        return Segment.model_validate(await self.api.post("segments", body))

    async def update(self, ref: str, data: SegmentUpdate) -> Segment:
        changes = data.model_dump(mode="json", exclude_unset=True)
        return Segment.model_validate(await self.api.patch(f"segments/{seg(ref)}", changes))

    async def list_all(self) -> list[Segment]:
        return [Segment.model_validate(s) for s in (await self.api.get("segments"))["items"]]

    async def show(self, ref: str) -> tuple[Segment, list[Snapshot]]:
        found = (await self.api.get(f"segments/{seg(ref)}/snapshots"))["items"]
        segment = Segment.model_validate(await self.api.get(f"segments/{seg(ref)}"))
        return segment, [Snapshot.model_validate(s) for s in found]

    async def count(self, ref: str | None, rule: str | None) -> int:
        if ref is None:
            return int((await self.api.post("segments/preview", {"rule": rule}, limit=1))["count"])
        return int((await self.api.get(f"segments/{seg(ref)}/count"))["count"])

    async def preview(
        self, ref: str | None, rule: str | None, limit: int
    ) -> tuple[list[Contact], int]:
        if ref is None:
            found = await self.api.post("segments/preview", {"rule": rule}, limit=limit)
        else:
            found = await self.api.get(f"segments/{seg(ref)}/preview", limit=limit)
        return Page.model_validate(found).items, int(found["count"])

    async def snapshot(self, ref: str) -> Snapshot:
        raise self.api.cannot()

    async def delete(self, ref: str) -> None:
        await self.api.request("DELETE", f"segments/{seg(ref)}")
