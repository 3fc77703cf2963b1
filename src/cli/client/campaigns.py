"""Campaigns, on the database or through the API."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from accounts.principals import CLI_ACTOR
from accounts.workspaces.models import Workspace
from campaigns import service
from campaigns.models import Asset, Campaign, CampaignCreate, Status
from cli.client.http import Api, seg
from cli.output import Progress, fail
from crm.db import Database
from kernel.settings import Settings

if TYPE_CHECKING:
    from campaigns.test_send import TestSend

# Generating, approving, sending, bounces and segment rules are imported by the methods that use
# them: they load the LLM gateway, jinja and the channels, which listing campaigns never needs.


class Campaigns(Protocol):
    async def create(self, data: CampaignCreate) -> Campaign:
        """A draft for an existing segment (a segment that does not exist is a typo)."""

    async def list_all(self) -> list[Campaign]: ...

    async def show(self, key: str, history: bool) -> tuple[Campaign, list[Asset]]: ...

    async def planned_calls(self, key: str, *, personalize: bool | None, regenerate: bool) -> int:
        """The LLM calls `generate` with these options would make."""

    async def generate(
        self,
        key: str,
        *,
        personalize: bool | None,
        regenerate: bool,
        max_cost: float | None,
        progress: Progress,
    ) -> dict[str, Any]: ...

    async def edit_asset(
        self, key: str, channel: str, changes: dict[str, Any], variant: str
    ) -> Asset: ...

    async def approve(self, key: str, override: str | None) -> Campaign: ...

    async def test_send(self, key: str, to: str, contact: str | None) -> TestSend: ...

    async def run(self, key: str, *, dry_run: bool, progress: Progress) -> dict[str, Any]:
        """The run's report with the campaign's LLM cost."""

    async def resume(self, key: str, *, force: bool, progress: Progress) -> dict[str, Any]: ...

    async def pause(self, key: str) -> Campaign: ...

    async def cancel(self, key: str) -> Campaign: ...

    async def status(self, key: str) -> Status: ...

    async def review(self, key: str, sent: list[str], resend: list[str]) -> dict[str, Any]:
        """Resolve these deliveries; how many changed and those still needing review."""

    async def bounces(
        self, mbox: Path | None, maildir: Path | None, imap: str | None
    ) -> dict[str, Any]: ...


def _stop_on_signals() -> asyncio.Event:
    """Ctrl-C or SIGTERM finish the messages in flight and pause the campaign; a second one
    cancels the run at once (what was claimed but not sent goes back to the queue, a message
    in flight to review) and the command exits 130."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    command = asyncio.current_task()

    def signalled() -> None:
        if stop.is_set() and command is not None:
            command.cancel()
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, signalled)
    return stop


@dataclass
class LocalCampaigns:
    db: Database
    settings: Settings
    workspace: Workspace

    async def create(self, data: CampaignCreate) -> Campaign:
        from crm.segments import service as segments

        await segments.require(self.db, data.segment)
        return await service.create(self.db, data)

    async def list_all(self) -> list[Campaign]:
        return await service.list_all(self.db)

    async def show(self, key: str, history: bool) -> tuple[Campaign, list[Asset]]:
        from campaigns import assets

        campaign = await service.require(self.db, key)
        return campaign, await assets.list_assets(self.db, key, history=history)

    async def planned_calls(self, key: str, *, personalize: bool | None, regenerate: bool) -> int:
        from campaigns import asset_jobs

        return await asset_jobs.planned_calls(
            self.db, key, personalize=personalize, regenerate=regenerate
        )

    async def generate(
        self,
        key: str,
        *,
        personalize: bool | None,
        regenerate: bool,
        max_cost: float | None,
        progress: Progress,
    ) -> dict[str, Any]:
        from campaigns import asset_jobs, assets
        from crm.llm_calls.service import gateway

        campaign = await service.require(self.db, key)
        wants = campaign.personalize if personalize is None else personalize
        total = await asset_jobs.count_jobs(self.db, campaign, personalize=wants)
        with progress("Generating assets", total) as advance:
            report = await assets.generate(
                self.db,
                key,
                self.settings,
                gateway=gateway(self.db, self.settings, max_cost=max_cost),
                personalize=personalize,
                regenerate=regenerate,
                progress=advance,
            )
        return report.as_dict()

    async def edit_asset(
        self, key: str, channel: str, changes: dict[str, Any], variant: str
    ) -> Asset:
        from campaigns import assets

        return await assets.edit_asset(
            self.db, key, channel, changes, variant=variant, edited_by=CLI_ACTOR
        )

    async def approve(self, key: str, override: str | None) -> Campaign:
        from campaigns import approval

        approver = CLI_ACTOR if self.workspace.four_eyes else None
        return await approval.approve(
            self.db, key, self.settings, override=override, approver=approver
        )

    async def test_send(self, key: str, to: str, contact: str | None) -> TestSend:
        from campaigns import test_send

        return await test_send.test_send(self.db, key, self.settings, to=to, contact=contact)

    async def run(self, key: str, *, dry_run: bool, progress: Progress) -> dict[str, Any]:
        from campaigns import executor

        counts = await service.delivery_counts(self.db, key)
        options = executor.Options(dry_run=dry_run, stop=_stop_on_signals())
        with progress("Rendering" if dry_run else "Sending", counts.queued) as advance:
            options.progress = lambda channel, n: advance(n)
            report = await executor.run(self.db, key, self.settings, options)
        return await service.with_cost(self.db, report.as_dict())

    async def resume(self, key: str, *, force: bool, progress: Progress) -> dict[str, Any]:
        from campaigns import executor

        counts = await service.delivery_counts(self.db, key)
        options = executor.Options(stop=_stop_on_signals(), force=force)
        with progress("Sending", counts.queued + counts.sending) as advance:
            options.progress = lambda channel, n: advance(n)
            report = await executor.resume(self.db, key, self.settings, options)
        return await service.with_cost(self.db, report.as_dict())

    async def pause(self, key: str) -> Campaign:
        return await service.pause(self.db, key)

    async def cancel(self, key: str) -> Campaign:
        return await service.cancel(self.db, key)

    async def status(self, key: str) -> Status:
        return await service.status(self.db, key)

    async def review(self, key: str, sent: list[str], resend: list[str]) -> dict[str, Any]:
        changed = 0
        if sent:
            changed += await service.resolve_review(self.db, key, sent, sent=True)
        if resend:
            changed += await service.resolve_review(self.db, key, resend, sent=False)
        pending = await service.needing_review(self.db, key)
        return {
            "resolved": changed,
            "review": [d.model_dump(mode="json") for d in pending],
        }

    async def bounces(
        self, mbox: Path | None, maildir: Path | None, imap: str | None
    ) -> dict[str, Any]:
        from campaigns import bounces

        messages = bounces.read_mailbox(mbox=mbox, maildir=maildir, imap=imap)
        return (await bounces.apply(self.db, messages)).as_dict()


@dataclass
class RemoteCampaigns:
    api: Api

    async def create(self, data: CampaignCreate) -> Campaign:
        await self.api.get(f"segments/{seg(data.segment)}")
        body = data.model_dump(mode="json", exclude_unset=True)
        return Campaign.model_validate(await self.api.post("campaigns", body))

    async def list_all(self) -> list[Campaign]:
        return [Campaign.model_validate(c) for c in (await self.api.get("campaigns"))["items"]]

    async def show(self, key: str, history: bool) -> tuple[Campaign, list[Asset]]:
        found = (await self.api.get(f"campaigns/{seg(key)}/assets", history=history))["items"]
        campaign = Campaign.model_validate(await self.api.get(f"campaigns/{seg(key)}"))
        return campaign, [Asset.model_validate(a) for a in found]

    async def planned_calls(self, key: str, *, personalize: bool | None, regenerate: bool) -> int:
        path = f"campaigns/{seg(key)}/assets/plan"
        plan = await self.api.get(path, personalize=personalize, regenerate=regenerate)
        return int(plan["calls"])

    async def generate(
        self,
        key: str,
        *,
        personalize: bool | None,
        regenerate: bool,
        max_cost: float | None,
        progress: Progress,
    ) -> dict[str, Any]:
        if max_cost is not None:
            raise fail("--max-cost works only on the database: set CRM_LLM_MAX_COST on the server")
        job = await self.api.post(
            f"campaigns/{seg(key)}/assets", personalize=personalize, regenerate=regenerate
        )
        result: dict[str, Any] = await self.api.wait(job)
        return result

    async def edit_asset(
        self, key: str, channel: str, changes: dict[str, Any], variant: str
    ) -> Asset:
        path = f"campaigns/{seg(key)}/assets/{seg(channel)}/{seg(variant)}"
        return Asset.model_validate(await self.api.patch(path, changes))

    async def approve(self, key: str, override: str | None) -> Campaign:
        body = {"override": override} if override else None
        return Campaign.model_validate(await self.api.post(f"campaigns/{seg(key)}/approve", body))

    async def test_send(self, key: str, to: str, contact: str | None) -> TestSend:
        from campaigns.test_send import TestSend

        body = {"to": to, "contact": contact}
        return TestSend.model_validate(await self.api.post(f"campaigns/{seg(key)}/test-send", body))

    async def run(self, key: str, *, dry_run: bool, progress: Progress) -> dict[str, Any]:
        job = await self.api.post(f"campaigns/{seg(key)}/execute", dry_run=dry_run)
        result: dict[str, Any] = await self.api.wait(job)
        return result

    async def resume(self, key: str, *, force: bool, progress: Progress) -> dict[str, Any]:
        job = await self.api.post(f"campaigns/{seg(key)}/resume", force=force)
        result: dict[str, Any] = await self.api.wait(job)
        return result

    async def pause(self, key: str) -> Campaign:
        return Campaign.model_validate(await self.api.post(f"campaigns/{seg(key)}/pause"))

    async def cancel(self, key: str) -> Campaign:
        return Campaign.model_validate(await self.api.post(f"campaigns/{seg(key)}/cancel"))

    async def status(self, key: str) -> Status:
        return Status.model_validate(await self.api.get(f"campaigns/{seg(key)}/status"))

    async def review(self, key: str, sent: list[str], resend: list[str]) -> dict[str, Any]:
        raise self.api.cannot()

    async def bounces(
        self, mbox: Path | None, maildir: Path | None, imap: str | None
    ) -> dict[str, Any]:
        raise self.api.cannot()
