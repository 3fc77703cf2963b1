"""Deliveries whose outcome is unknown: listed for review, and once resolved as sent they count
exactly like messages the executor sent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from campaigns import executor, service
from campaigns.models import Campaign
from crm.db import Database, connect
from crm.schema import migrate
from crm_cli import Crm
from factories import make_another_campaign, make_ready_campaign
from kernel.settings import Settings
from smtp_sink import Sink, free_port


class DroppingSink(Sink):
    """Takes every message, but drops the connection instead of answering DATA for the
    addresses in `drop`: the message arrived, the sender cannot know."""

    drop: frozenset[str] = frozenset()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if self.drop.intersection(envelope.rcpt_tos):
            server.transport.close()
        return answer


async def test_a_review_resolved_as_sent_counts_for_the_frequency_limit_and_timeline(
    db: Database, send_settings: Settings
) -> None:
    sink = DroppingSink(free_port())
    sink.drop = frozenset({"person1@example.com"})
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    settings = send_settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{sink.port}"})
    try:
        first = await make_ready_campaign(db, settings=settings, contacts_count=3)
        report = await executor.run(db, first.id, settings)
        assert (report.sent, report.review) == (2, 1)
        [pending] = await service.needing_review(db, first.id)
        await service.resolve_review(db, first.id, [pending.id], sent=True)

        second = await make_another_campaign(db, settings=settings)
        report = await executor.run(db, second.id, settings)
    finally:
        controller.stop()

    assert report.skip_reasons == {"frequency_limit": 3}
    assert len(sink.to("person1@example.com")) == 1
    # The contact's timeline shows the email (insights.activity reads this).
    sent = await service.sent_to(db, str(pending.contact), 10)
    assert [(s["campaign"], s["channel"]) for s in sent] == [(first.id, "email")]


def test_the_cli_run_exits_paused_and_review_shows_whom_and_clears_the_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = DroppingSink(free_port())
    sink.drop = frozenset({"person1@example.com"})
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    env = {
        "CRM_DB_URL": f"surrealkv://{tmp_path / 'crm.db'}",
        "CRM_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "CRM_SECRET_KEY": "review-test",
        "CRM_POSTAL_ADDRESS": "1 Main Street",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(db_url=env["CRM_DB_URL"], smtp_url=env["CRM_SMTP_URL"])

    async def ready() -> Campaign:
        async with connect(settings) as db:
            await migrate(db)
            return await make_ready_campaign(db, settings=settings, contacts_count=3)

    campaign = asyncio.run(ready())
    crm = Crm(tmp_path / "crm.db")
    try:
        ran = crm("campaigns", "run", campaign.id)
    finally:
        controller.stop()

    assert ran.exit_code == 3, ran.output
    reason = "1 deliveries need review (send outcome unknown)"
    assert ran.stdout.strip().splitlines()[-1] == f"Paused: {reason}"
    listed = crm("campaigns", "review", campaign.id).stdout
    assert "person1@example.com" in listed and f"campaign {campaign.id}" in listed
    [pending] = crm.json("campaigns", "review", campaign.id)["review"]
    assert crm.json("campaigns", "status", campaign.id)["state_reason"] == reason

    crm.json("campaigns", "review", campaign.id, "--sent", pending["id"])

    status = crm.json("campaigns", "status", campaign.id)
    assert status["state_reason"] == "review resolved; resume finishes the run"
    assert crm("campaigns", "resume", campaign.id).exit_code == 0
    assert crm.json("campaigns", "status", campaign.id)["state"] == "completed"
