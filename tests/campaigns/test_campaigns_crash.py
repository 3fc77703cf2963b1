"""kill -9 a `crm campaigns run` several times, resume: every email arrives exactly once.

The campaign runs in a subprocess on an embedded surrealkv file, which must reopen after each
SIGKILL (the OS releases the dead process's file lock). Messages whose send outcome is unknown
(in flight at the kill, by the run's hand-off journal) are marked for review; the test then
does what an operator would do with the mail server's log: marks those that arrived as sent,
queues the rest, and resumes.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from campaigns import service
from crm.db import connect
from crm.schema import migrate
from factories import make_ready_campaign
from kernel.settings import Settings
from smtp_sink import Sink, free_port

CONTACTS = 300
KILLS = 4
CONCURRENCY = 4
CLAIM_GROUP = 4


class CountingSink(Sink):
    """Sets `reached` once `threshold` messages have arrived."""

    threshold = 0
    reached = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if self.threshold and len(self.received) >= self.threshold:
            self.reached.set()
        return answer


def _crm(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "campaigns", *args, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def test_sigkill_at_random_points_then_resume_sends_each_email_once(tmp_path: Path) -> None:
    sink = CountingSink(port=free_port())
    sink.reached = threading.Event()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    env = {
        **os.environ,
        "CRM_DB_URL": f"surrealkv://{tmp_path / 'crm.db'}",
        "CRM_DATA_DIR": str(tmp_path / "data"),
        "CRM_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "CRM_SECRET_KEY": "crash-test",
        "CRM_POSTAL_ADDRESS": "1 Main Street",
        "CRM_SEND_CONCURRENCY": str(CONCURRENCY),
        "CRM_SEND_CLAIM_GROUP": str(CLAIM_GROUP),
    }
    settings = Settings(
        db_url=env["CRM_DB_URL"], smtp_url=env["CRM_SMTP_URL"], postal_address="1 Main Street"
    )
    try:
        async with connect(settings) as db:
            await migrate(db)
            campaign = await make_ready_campaign(db, settings=settings, contacts_count=CONTACTS)

        thresholds = sorted(random.Random(6).sample(range(10, CONTACTS - 20), KILLS))
        command = ("run", campaign.id)
        for threshold in thresholds:
            sink.threshold, sink.reached = threshold, threading.Event()
            process = _crm(env, *command)
            reached = await asyncio.to_thread(sink.reached.wait, 120)
            assert reached, process.communicate()[1].decode()[-2000:]
            process.send_signal(signal.SIGKILL)
            assert process.wait() == -signal.SIGKILL
            command = ("resume", campaign.id)

        sink.threshold = 0
        finished = _crm(env, *command)
        out, err = await asyncio.to_thread(finished.communicate, None, 180)
        report = json.loads(out)
        # Paused (exit 3) when some deliveries need review.
        assert finished.returncode == (3 if report["state"] == "paused" else 0), err.decode()
        # Only messages in flight at the kill (one per worker): the hand-off journal tells
        # the claimed ones never handed over (queued again) and those sent (recorded).
        assert report["recovered"]["review"] <= CONCURRENCY

        # The operator's reconciliation, from the server log (here: what the sink holds).
        async with connect(settings) as db:
            pending = await service.needing_review(db, campaign.id)
            assert len(pending) <= KILLS * CONCURRENCY
            arrived = {r.message["X-CRM-Delivery"] for r in sink.received}
            went = [d.id for d in pending if d.id in arrived]
            lost = [d.id for d in pending if d.id not in arrived]
            if went:
                await service.resolve_review(db, campaign.id, went, sent=True)
            if lost:
                await service.resolve_review(db, campaign.id, lost, sent=False)

        if pending:
            last = _crm(env, "resume", campaign.id)
            out, err = await asyncio.to_thread(last.communicate, None, 120)
            assert last.returncode == 0, err.decode()[-2000:]

        async with connect(settings) as db:
            status = await service.status(db, campaign.id)
    finally:
        controller.stop()

    per_recipient = Counter(r for m in sink.received for r in m.recipients)
    assert len(per_recipient) == CONTACTS
    assert set(per_recipient.values()) == {1}, per_recipient.most_common(3)
    assert (status.state, status.sent, status.review, status.queued) == (
        "completed",
        CONTACTS,
        0,
        0,
    )
