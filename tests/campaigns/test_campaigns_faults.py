"""Sending against misbehaving receivers and servers: every run ends, greylisting is retried
without pausing, a refused address is a hard bounce, a policy refusal a send error."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx
from aiosmtpd.controller import Controller

from campaigns import delivery_repository, executor, service, suppression
from campaigns.executor import Options
from campaigns.models import State
from crm.contacts import service as contacts
from crm.contacts.models import Status
from crm.db import Database
from factories import make_another_campaign, make_ready_campaign
from kernel.settings import Settings
from smtp_sink import Sink, free_port

HOOK = "https://hooks.example/crm"


async def _yield(seconds: float) -> None:
    await asyncio.sleep(0)


@respx.mock
async def test_a_run_against_a_failing_receiver_always_ends(
    db: Database, outbox_settings: Settings
) -> None:
    failures = iter(range(30))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500 if next(failures, None) is not None else 200)

    respx.post(HOOK).mock(side_effect=answer)
    campaign = await make_ready_campaign(
        db,
        settings=outbox_settings,
        contacts_count=60,
        channels=["webhook"],
        config={"webhook": {"url": HOOK}},
    )
    async with httpx.AsyncClient() as http:
        report = await asyncio.wait_for(
            executor.run(db, campaign.id, outbox_settings, Options(http=http, sleep=_yield)), 20
        )
    assert report.state == State.PAUSED


@respx.mock
async def test_stopping_while_retries_wait_ends_the_run_and_resume_sends_them(
    db: Database, outbox_settings: Settings
) -> None:
    stop = asyncio.Event()
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 6:
            stop.set()  # Ctrl-C while earlier failures wait for their retry
        return httpx.Response(503)

    async def never(seconds: float) -> None:
        await asyncio.Event().wait()

    route = respx.post(HOOK).mock(side_effect=answer)
    campaign = await make_ready_campaign(
        db,
        settings=outbox_settings,
        contacts_count=12,
        channels=["webhook"],
        config={"webhook": {"url": HOOK, "concurrency": 2}},
    )
    async with httpx.AsyncClient() as http:
        report = await asyncio.wait_for(
            executor.run(
                db, campaign.id, outbox_settings, Options(http=http, sleep=never, stop=stop)
            ),
            20,
        )
        assert report.state == State.PAUSED
        assert (await service.delivery_counts(db, campaign.id)).queued == 12

        route.mock(return_value=httpx.Response(200))
        report = await executor.resume(db, campaign.id, outbox_settings, Options(http=http))
    assert (report.state, report.sent) == (State.COMPLETED, 12)


@dataclass
class GreylistingSink(Sink):
    """Answers 451 to the first `times` RCPTs of each address, like a greylisting server."""

    times: int = 2
    seen: Counter[str] = field(default_factory=Counter)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        with self.lock:
            self.seen[address] += 1
            if self.seen[address] <= self.times:
                return "451 4.7.1 Greylisted, try again later"
        return await super().handle_RCPT(server, session, envelope, address, options)


@dataclass
class RefusingSink(Sink):
    """Also refuses the message of the addresses in `refuse_data` after DATA."""

    refuse_data: dict[str, str] = field(default_factory=dict)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for address in envelope.rcpt_tos:
            if address in self.refuse_data:
                return self.refuse_data[address]
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def serving(sink: Sink, settings: Settings) -> Iterator[Settings]:
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{sink.port}"})
    finally:
        controller.stop()


async def test_greylisting_is_retried_without_pausing_the_run(
    db: Database, send_settings: Settings
) -> None:
    sink = GreylistingSink(free_port())
    with serving(sink, send_settings) as settings:
        campaign = await make_ready_campaign(
            db, settings=settings, contacts_count=12, config={"email": {"error_threshold": 5}}
        )
        report = await executor.run(db, campaign.id, settings, Options(sleep=_yield))

    assert (report.state, report.sent, report.retried) == (State.COMPLETED, 12, 24)
    assert sorted(r for m in sink.received for r in m.recipients) == sorted(sink.seen)


async def test_a_message_greylisted_past_its_attempts_counts_as_an_error(
    db: Database, send_settings: Settings
) -> None:
    sink = GreylistingSink(free_port())
    sink.times = 5
    with serving(sink, send_settings) as settings:
        campaign = await make_ready_campaign(
            db, settings=settings, contacts_count=3, config={"email": {"error_threshold": 2}}
        )
        report = await executor.run(db, campaign.id, settings, Options(sleep=_yield))

    assert report.state == State.PAUSED and report.reason is not None
    assert "451 4.7.1 Greylisted" in report.reason and report.sent == 0


async def test_an_address_refused_at_rcpt_or_data_is_a_hard_bounce(
    db: Database, send_settings: Settings
) -> None:
    sink = RefusingSink(free_port())
    sink.refuse = {"person0@example.com": (550, "5.1.1 No such user")}
    sink.refuse_data = {"person1@example.com": "550 5.1.1 Mailbox does not exist"}
    with serving(sink, send_settings) as settings:
        campaign = await make_ready_campaign(
            db, settings=settings, contacts_count=3, config={"email": {"error_threshold": 1}}
        )
        report = await executor.run(db, campaign.id, settings)
        again = await make_another_campaign(db, settings=settings, frequency_hours=0)
        second = await executor.run(db, again.id, settings)

    # Bounces are not send errors: a threshold of 1 did not pause the run.
    assert (report.state, report.sent, report.failed) == (State.COMPLETED, 1, 2)
    for email in ("person0@example.com", "person1@example.com"):
        contact = await contacts.require(db, email)
        assert contact.status == Status.BOUNCED
        assert await suppression.suppressed(db, [email]) == {email}
        _, events = await contacts.history(db, contact.id)
        [bounced] = [e for e in events if e.kind == "bounced"]
        assert bounced.data["campaign"] == campaign.id
        assert "5.1.1" in bounced.data["detail"]
    # The next campaign does not write to them again.
    assert (second.sent, second.skipped) == (1, 2)
    assert [len(sink.to(f"person{n}@example.com")) for n in range(3)] == [0, 0, 2]


async def test_a_policy_refusal_counts_toward_the_threshold_and_bounces_nobody(
    db: Database, send_settings: Settings
) -> None:
    sink = Sink(free_port())
    sink.refuse = {
        f"person{n}@example.com": (554, "5.7.1 Message rejected as spam") for n in range(2)
    }
    with serving(sink, send_settings) as settings:
        campaign = await make_ready_campaign(
            db,
            settings=settings,
            contacts_count=4,
            config={"email": {"error_threshold": 2, "concurrency": 1}},
        )
        report = await executor.run(db, campaign.id, settings)

    assert report.state == State.PAUSED and report.reason is not None
    assert "5.7.1 Message rejected as spam" in report.reason
    for n in range(2):
        contact = await contacts.require(db, f"person{n}@example.com")
        assert contact.status != Status.BOUNCED
        assert await suppression.suppressed(db, [contact.email]) == set()
    failed = await delivery_repository.deliveries(db, campaign.id, state="failed")
    assert len(failed) == 2 and all("554 5.7.1" in d["reason"] for d in failed)
