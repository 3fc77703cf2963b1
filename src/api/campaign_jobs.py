"""The long campaign work an adapter starts as a job (the REST routes and the console alike):
writing the assets, sending, resuming. Each answers at once with the job to poll."""

from __future__ import annotations

from typing import Any

from api.deps import gateway
from api.schemas import Job
from api.tenancy import Tenant
from campaigns import assets, executor, service


def generate(
    here: Tenant,
    campaign_id: str,
    *,
    personalize: bool | None = None,
    regenerate: bool = False,
    only: tuple[str, str] | None = None,
) -> Job:
    llm = gateway(here.state, here.db)

    async def work() -> dict[str, Any]:
        report = await assets.generate(
            here.db,
            campaign_id,
            here.settings,
            gateway=llm,
            personalize=personalize,
            regenerate=regenerate,
            only=only,
        )
        return report.as_dict()

    return here.state.jobs.submit(here.workspace.id, "campaign.assets", work)


def run(here: Tenant, campaign_id: str, options: executor.Options) -> Job:
    async def work() -> dict[str, Any]:
        report = await executor.run(here.db, campaign_id, here.settings, options)
        return await service.with_cost(here.db, report.as_dict())

    return here.state.jobs.submit(here.workspace.id, "campaign.execute", work)


def resume(here: Tenant, campaign_id: str, options: executor.Options) -> Job:
    async def work() -> dict[str, Any]:
        report = await executor.resume(here.db, campaign_id, here.settings, options)
        return await service.with_cost(here.db, report.as_dict())

    return here.state.jobs.submit(here.workspace.id, "campaign.resume", work)
