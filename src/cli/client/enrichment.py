"""Enrichment runs: on the database only (no REST route)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cli.client.http import Api
from cli.output import Progress
from crm.db import Database
from crm.enrichment import service
from crm.enrichment.models import RunOptions, RunReport


class Enrichment(Protocol):
    async def count(self, options: RunOptions) -> int:
        """How many contacts a run looks at: at most one LLM call each with --ai."""

    async def run(self, options: RunOptions, progress: Progress | None) -> RunReport: ...


@dataclass
class LocalEnrichment:
    db: Database

    async def count(self, options: RunOptions) -> int:
        return await service.count(self.db, options)

    async def run(self, options: RunOptions, progress: Progress | None) -> RunReport:
        if progress is None:
            return await service.run(self.db, options)
        with progress("Enriching", await service.count(self.db, options)) as advance:
            return await service.run(self.db, options, progress=advance)


@dataclass
class RemoteEnrichment:
    api: Api

    async def count(self, options: RunOptions) -> int:
        raise self.api.cannot()

    async def run(self, options: RunOptions, progress: Progress | None) -> RunReport:
        raise self.api.cannot()
