"""Cancelling a run (a scheduler worker handing it back) stops it at once and loses nothing."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from contextlib import suppress
from typing import Any

from aiosmtpd.controller import Controller

from campaigns import executor, service
from campaigns.channels.protocol import Rendered, Result
from campaigns.channels.smtp import SmtpSender
from campaigns.executor import Options
from campaigns.models import State
from crm.db import Database
from factories import make_ready_campaign
from kernel.settings import Settings
from smtp_sink import Sink, free_port

CONTACTS = 30


class HoldingSink(Sink):
    """Answers the first `free` messages, then keeps every later sender waiting for its reply
    until `release` is set (the message has arrived by then: its outcome is unknown)."""

    free = 3

    def __init__(self, port: int) -> None:
        super().__init__(port=port)
        self.release = threading.Event()
        self.holding = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.received) > self.free:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return answer


async def test_cancel_stops_at_once_and_resume_sends_the_rest_exactly_once(
    db: Database, send_settings: Settings
) -> None:
    sink = HoldingSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    settings = send_settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{sink.port}", "send_claim_group": 8}
    )
    try:
        campaign = await make_ready_campaign(
            db, settings=settings, contacts_count=CONTACTS, config={"email": {"concurrency": 2}}
        )
        run = asyncio.create_task(executor.run(db, campaign.id, settings))
        await asyncio.to_thread(sink.holding.wait, 30)

        run.cancel()
        # Bounded only to turn a hang into a failure; it ends long before.
        done, _ = await asyncio.wait([run], timeout=30)
        assert done == {run} and run.cancelled()

        status = await service.status(db, campaign.id)
        # Only messages whose send had begun are `sending` (at most one per worker): what was
        # claimed with them but not sent yet went back to the queue.
        assert 1 <= status.sending <= 2
        assert status.sent == sink.free
        assert status.queued == CONTACTS - status.sent - status.sending

        sink.release.set()
        report = await executor.resume(db, campaign.id, settings, Options(force=True))
        assert report.recovered["review"] == status.sending
        assert report.sent == status.queued
        assert report.state == State.PAUSED and "review" in (report.reason or "")
    finally:
        sink.release.set()
        controller.stop()

    # Nobody got two; everyone else got one, except at most those left for review (a send
    # cancelled before its DATA never arrived, which an operator sees in the server log).
    recipients = Counter(r for m in sink.received for r in m.recipients)
    assert set(recipients.values()) == {1}
    assert CONTACTS - status.sending <= len(recipients) <= CONTACTS


class DroppingSender(SmtpSender):
    """An SMTP transaction that loses the first cancellation, as aiosmtplib's replies awaited
    with asyncio.wait_for can on Python 3.11, then waits on for a reply that never comes."""

    started = asyncio.Event()

    async def _transact(self, smtp: Any, message: Rendered) -> Result:
        self.started.set()
        with suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")


async def test_a_send_ends_when_cancelled_even_if_the_transaction_drops_the_cancel() -> None:
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    sender = DroppingSender.from_url(f"smtp://127.0.0.1:{sink.port}")
    message = Rendered(
        "d1", "email", "d1.eml", b"Subject: hi\r\n\r\nhi\r\n", "a@example.com", "b@example.com"
    )
    try:
        send = asyncio.create_task(sender.send(message))
        await asyncio.wait_for(sender.started.wait(), 30)

        send.cancel()
        # Bounded only to turn a hang into a failure.
        done, _ = await asyncio.wait([send], timeout=10)

        assert done == {send} and send.cancelled()
    finally:
        controller.stop()
