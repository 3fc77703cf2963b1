"""The client a command runs with: the configured database, or a server's REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from cli.client.apikeys import ApiKeys, LocalApiKeys, RemoteApiKeys
from cli.client.campaigns import Campaigns, LocalCampaigns, RemoteCampaigns
from cli.client.companies import Companies, LocalCompanies, RemoteCompanies
from cli.client.contacts import Contacts, LocalContacts, RemoteContacts
from cli.client.database import DatabaseInfo, LocalDatabase, RemoteDatabase
from cli.client.demo import Demo, LocalDemo, RemoteDemo
from cli.client.enrichment import Enrichment, LocalEnrichment, RemoteEnrichment
from cli.client.http import Api, Target
from cli.client.llm import Llm, LocalLlm, RemoteLlm
from cli.client.pages import LocalPages, Pages, RemotePages
from cli.client.schedules import LocalSchedules, RemoteSchedules, Schedules
from cli.client.segments import LocalSegments, RemoteSegments, Segments
from crm.db import Database, connect
from crm.schema import Migration, migrate
from kernel.settings import Settings


@dataclass(frozen=True)
class Client:
    apikeys: ApiKeys
    campaigns: Campaigns
    companies: Companies
    contacts: Contacts
    database: DatabaseInfo
    demo: Demo
    enrichment: Enrichment
    llm: Llm
    pages: Pages
    schedules: Schedules
    segments: Segments


def local(db: Database, settings: Settings) -> Client:
    return Client(
        apikeys=LocalApiKeys(db),
        campaigns=LocalCampaigns(db, settings),
        companies=LocalCompanies(db),
        contacts=LocalContacts(db),
        database=LocalDatabase(db),
        demo=LocalDemo(db, settings),
        enrichment=LocalEnrichment(db),
        llm=LocalLlm(db, settings),
        pages=LocalPages(db, settings),
        schedules=LocalSchedules(db, settings),
        segments=LocalSegments(db),
    )


def remote(api: Api) -> Client:
    return Client(
        apikeys=RemoteApiKeys(api),
        campaigns=RemoteCampaigns(api),
        companies=RemoteCompanies(api),
        contacts=RemoteContacts(api),
        database=RemoteDatabase(api),
        demo=RemoteDemo(api),
        enrichment=RemoteEnrichment(api),
        llm=RemoteLlm(api),
        pages=RemotePages(api),
        schedules=RemoteSchedules(api),
        segments=RemoteSegments(api),
    )


@asynccontextmanager
async def connected(
    settings: Settings, target: Target | None, upgrading: Callable[[Migration], None]
) -> AsyncIterator[Client]:
    """Through `target`'s API when there is one, else on the configured database (applying
    pending migrations, announced through `upgrading`)."""
    if target is not None:
        async with Api(target) as api:
            yield remote(api)
        return
    async with connect(settings) as db:
        await migrate(db, upgrading=upgrading)
        yield local(db, settings)
