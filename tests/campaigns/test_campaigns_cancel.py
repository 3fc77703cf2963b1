"""Cancelling a run (a scheduler worker handing it back) stops it at once and loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from campaigns import executor, service
from campaigns.channels.protocol import Rendered, Result
from campaigns.channels.smtp import SmtpSender
from campaigns.executor import Options
from campaigns.models import State
from crm.db import Database, connect
from crm.schema import migrate
from factories import make_ready_campaign
from kernel.settings import Settings
from smtp_sink import Sink, free_port

CONTACTS = 30
WORKERS = 2


class HoldingSink(Sink):
    """Answers the first `free` messages, then keeps every later sender waiting for its reply
    until `release` is set (the message has arrived by then: its outcome is unknown).
    `holding` is set once every worker is held: each has read its earlier replies by then."""

    free = 3

    def __init__(self, port: int) -> None:
        super().__init__(port=port)
        self.release = threading.Event()
        self.holding = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.received) > self.free:
            if len(self.received) >= self.free + WORKERS:
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
            db,
            settings=settings,
            contacts_count=CONTACTS,
            config={"email": {"concurrency": WORKERS}},
        )
        run = asyncio.create_task(executor.run(db, campaign.id, settings))
        await asyncio.to_thread(sink.holding.wait, 30)

        run.cancel()
        # Bounded only to turn a hang into a failure; it ends long before.
        done, _ = await asyncio.wait([run], timeout=30)
        assert done == {run} and run.cancelled()

        status = await service.status(db, campaign.id)
        # Only messages whose send had begun are `sending` (one per worker): what was claimed
        # with them but not sent yet went back to the queue.
        assert status.sending == WORKERS
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


async def test_a_second_ctrl_c_cancels_a_run_waiting_on_the_server(tmp_path: Path) -> None:
    sink = HoldingSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    env = {
        **os.environ,
        "CRM_DB_URL": f"surrealkv://{tmp_path / 'crm.db'}",
        "CRM_DATA_DIR": str(tmp_path / "data"),
        "CRM_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "CRM_SMTP_TIMEOUT": "600",
        "CRM_SECRET_KEY": "cancel-test",
        "CRM_POSTAL_ADDRESS": "1 Main Street",
    }
    settings = Settings(
        db_url=env["CRM_DB_URL"], smtp_url=env["CRM_SMTP_URL"], postal_address="1 Main Street"
    )
    async with connect(settings) as db:
        await migrate(db)
        campaign = await make_ready_campaign(db, settings=settings, contacts_count=CONTACTS)
    command = [sys.executable, "-m", "cli.main", "campaigns", "run", campaign.id]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    try:
        assert await asyncio.to_thread(sink.holding.wait, 60)

        # The first asks to stop after the messages in flight; one waits for a reply.
        process.send_signal(signal.SIGINT)
        await asyncio.sleep(0.5)
        process.send_signal(signal.SIGINT)
        # Bounded only to turn a hang (the SMTP timeout is ten minutes) into a failure.
        code = await asyncio.to_thread(process.wait, 60)
    finally:
        sink.release.set()
        controller.stop()
        if process.poll() is None:
            process.kill()

    assert code == 130, process.stderr.read().decode() if process.stderr else ""
