"""Landing pages, on the database or through the API: each as the commands print it (with its
public URL)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from campaigns import service as campaigns
from cli.client.http import Api, seg
from crm.db import Database
from crm.llm_calls.service import gateway
from kernel.settings import Settings
from landing_pages import service
from landing_pages.models import LandingPage, LandingPageUpdate, PageStatus
from landing_pages.preview import preview_path
from llm_tools.landing_page import LandingPageSpec


class Pages(Protocol):
    async def generate(self, campaign: str, slug: str | None, publish: bool) -> dict[str, Any]:
        """A page written by the LLM from the campaign's brief."""

    async def publish(self, ref: str) -> dict[str, Any]:
        """Served at /lp/SLUG from now on."""

    async def unpublish(self, ref: str) -> dict[str, Any]:
        """A draft again."""

    async def list_pages(self, campaign: str | None) -> list[dict[str, Any]]: ...

    async def show(self, ref: str) -> dict[str, Any]:
        """The whole record, with its public and preview links."""

    async def edit(self, ref: str, spec: LandingPageSpec) -> dict[str, Any]:
        """The page's text replaced by `spec`."""


def shown(page: LandingPage, url: str, preview_url: str) -> dict[str, Any]:
    return {"id": page.id, "slug": page.slug, "status": page.status.value, "url": url} | {
        "preview_url": preview_url,
        "title": page.title,
        "campaign": page.campaign,
    }


@dataclass
class LocalPages:
    db: Database
    settings: Settings

    def _shown(self, page: LandingPage) -> dict[str, Any]:
        base = self.settings.base_url.rstrip("/")
        preview = preview_path(self.settings.signing_key(), page.id, page.slug, time.time())
        return shown(page, f"{base}/lp/{page.slug}", base + preview)

    async def generate(self, campaign: str, slug: str | None, publish: bool) -> dict[str, Any]:
        source = await campaigns.require(self.db, campaign)
        llm = gateway(self.db, self.settings)
        page = await service.generate_for_campaign(self.db, source, llm, slug=slug, publish=publish)
        return self._shown(page)

    async def publish(self, ref: str) -> dict[str, Any]:
        return self._shown(await service.set_status(self.db, ref, PageStatus.PUBLISHED))

    async def unpublish(self, ref: str) -> dict[str, Any]:
        return self._shown(await service.set_status(self.db, ref, PageStatus.DRAFT))

    async def list_pages(self, campaign: str | None) -> list[dict[str, Any]]:
        return [self._shown(p) for p in await service.list_pages(self.db, campaign=campaign)]

    async def show(self, ref: str) -> dict[str, Any]:
        page = await service.require(self.db, ref)
        return page.model_dump(mode="json") | self._shown(page)

    async def edit(self, ref: str, spec: LandingPageSpec) -> dict[str, Any]:
        return self._shown(await service.update(self.db, ref, LandingPageUpdate(spec=spec)))


def _from_server(found: dict[str, Any]) -> dict[str, Any]:
    return shown(LandingPage.model_validate(found), found["url"], found["preview_url"])


@dataclass
class RemotePages:
    api: Api

    async def generate(self, campaign: str, slug: str | None, publish: bool) -> dict[str, Any]:
        body = {"campaign": campaign, "slug": slug, "publish": publish}
        job = await self.api.post("landing-pages/generate", body)
        return _from_server(await self.api.wait(job))

    async def publish(self, ref: str) -> dict[str, Any]:
        return _from_server(await self.api.post(f"landing-pages/{seg(ref)}/publish"))

    async def unpublish(self, ref: str) -> dict[str, Any]:
        return _from_server(await self.api.post(f"landing-pages/{seg(ref)}/unpublish"))

    async def list_pages(self, campaign: str | None) -> list[dict[str, Any]]:
        return [_from_server(p) for p in await self.api.get("landing-pages", campaign=campaign)]

    async def show(self, ref: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.api.get(f"landing-pages/{seg(ref)}")
        return found

    async def edit(self, ref: str, spec: LandingPageSpec) -> dict[str, Any]:
        body = {"spec": spec.model_dump(mode="json")}
        return _from_server(await self.api.patch(f"landing-pages/{seg(ref)}", body))
