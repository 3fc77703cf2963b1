"""Recurring campaign schedules: every occurrence is a round that targets the segment's members
at that time; new members only, unless the schedule repeats."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from campaigns import delivery_repository, executor, rounds, suppression
from campaigns import repository as campaign_rows
from campaigns import service as campaigns
from campaigns.models import Campaign, State, check_transition
from crm.db import Database
from crm.schema import migrate
from crm.wire import RecordID
from factories import (
    make_bare_contacts,
    make_contacts,
    make_ready_campaign,
    make_schedule,
    migrated_before,
)
from kernel.errors import ValidationFailed
from kernel.settings import Settings
from scheduling import service
from scheduling.clock import FakeClock
from scheduling.jobs import production_job
from scheduling.models import Run, RunStatus
from scheduling.service import ClaimPolicy
from scheduling.worker import Worker

DAY = 86_400.0


async def occurrence(worker: Worker, clock: FakeClock, seconds: float) -> Run:
    """Move time on by `seconds`, let the worker claim what is due and run it to the end."""
    await clock.advance(seconds)
    [claimed] = await worker.tick()
    await worker.wait_idle()
    run = await service.get_run(worker.db, claimed.id)
    assert run is not None
    return run


def sent_per_contact(rows: list[dict[str, object]]) -> Counter[object]:
    return Counter(r["contact"] for r in rows if r["state"] == "sent")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))


@pytest.fixture
def worker(db: Database, outbox_settings: Settings, clock: FakeClock) -> Worker:
    return Worker(db, production_job(outbox_settings), policy=ClaimPolicy(owner="w1"), clock=clock)


@pytest.fixture
async def campaign(db: Database, outbox_settings: Settings) -> Campaign:
    return await make_ready_campaign(db, settings=outbox_settings, contacts_count=3)


class TestStateMachine:
    def test_a_completed_campaign_cannot_run_again_outside_a_round(self) -> None:
        with pytest.raises(ValidationFailed, match="completed is final"):
            check_transition(State.COMPLETED, State.RUNNING)

    @pytest.mark.parametrize("source", [State.APPROVED, State.COMPLETED])
    def test_a_new_round_runs_an_approved_or_completed_campaign(self, source: State) -> None:
        check_transition(source, State.RUNNING, new_round=True)

    @pytest.mark.parametrize(
        ("source", "target"),
        [
            (State.CANCELLED, State.RUNNING),
            (State.PAUSED, State.RUNNING),
            (State.REVIEW, State.RUNNING),
            (State.COMPLETED, State.APPROVED),
        ],
    )
    def test_a_new_round_opens_no_other_way(self, source: State, target: State) -> None:
        with pytest.raises(ValidationFailed):
            check_transition(source, target, new_round=True)


class TestRecurringRuns:
    async def test_later_occurrences_send_only_to_new_members(
        self, db: Database, campaign: Campaign, worker: Worker, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock, target=campaign.id, cron="0 9 * * *")

        first = await occurrence(worker, clock, 3600)
        await make_contacts(db, count=2, domain="new.example")
        second = await occurrence(worker, clock, DAY)
        third = await occurrence(worker, clock, DAY)

        assert [(r.status, r.counts["sent"]) for r in (first, second, third)] == [
            (RunStatus.SUCCEEDED, 3),
            (RunStatus.SUCCEEDED, 2),
            (RunStatus.SUCCEEDED, 0),
        ]
        rows = await delivery_repository.deliveries(db, campaign.id)
        assert len(rows) == 5
        assert set(sent_per_contact(rows).values()) == {1}
        status = await campaigns.status(db, campaign.id)
        assert (status.state, status.sent) == (State.COMPLETED, 5)

    async def test_a_member_skipped_by_one_occurrence_is_tried_again_by_the_next(
        self, db: Database, campaign: Campaign, worker: Worker, clock: FakeClock
    ) -> None:
        (member, *_) = await make_contacts(db, count=1, domain="late.example")
        await suppression.suppress(db, member.email, reason="manual")
        await make_schedule(db, clock=clock, target=campaign.id, cron="0 9 * * *")

        first = await occurrence(worker, clock, 3600)
        await suppression.unsuppress(db, member.email)
        second = await occurrence(worker, clock, DAY)

        assert [(r.counts["sent"], r.counts["skipped"]) for r in (first, second)] == [
            (3, 1),
            (1, 0),
        ]
        rows = await delivery_repository.deliveries(db, campaign.id)
        sent = sent_per_contact(rows)
        assert (len(sent), set(sent.values()), sent[member.id]) == (4, {1}, 1)

    async def test_a_repeating_schedule_sends_to_every_member_each_time(
        self,
        db: Database,
        campaign: Campaign,
        worker: Worker,
        clock: FakeClock,
        outbox_settings: Settings,
    ) -> None:
        await make_schedule(db, clock=clock, target=campaign.id, cron="0 9 * * *", repeat=True)

        first = await occurrence(worker, clock, 3600)
        await make_contacts(db, count=1, domain="new.example")
        second = await occurrence(worker, clock, DAY)

        assert [(r.status, r.counts["sent"]) for r in (first, second)] == [
            (RunStatus.SUCCEEDED, 3),
            (RunStatus.SUCCEEDED, 4),
        ]
        rows = await delivery_repository.deliveries(db, campaign.id)
        assert sorted(sent_per_contact(rows).values()) == [1, 2, 2, 2]
        assert {r["round"] for r in rows} == {first.id, second.id}
        files = list((outbox_settings.outbox_path / campaign.id).glob("*.eml"))
        assert len(files) == 7

    async def test_the_first_occurrence_targets_members_at_that_time_not_at_approval(
        self, db: Database, campaign: Campaign, worker: Worker, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock, target=campaign.id, at=datetime(2026, 1, 5, 9, 0))
        await make_contacts(db, count=2, domain="late.example")

        run = await occurrence(worker, clock, 3600)

        assert (run.status, run.counts["sent"]) == (RunStatus.SUCCEEDED, 5)

    async def test_an_occurrence_while_the_campaign_runs_elsewhere_waits_for_a_retry(
        self, db: Database, campaign: Campaign, worker: Worker, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock, target=campaign.id, cron="0 9 * * *")
        await campaigns.move(db, campaign, State.RUNNING)  # a manual run is in progress

        run = await occurrence(worker, clock, 3600)

        assert run.status is RunStatus.RETRYING
        assert run.error is not None and "is running" in run.error
        assert (await campaigns.status(db, campaign.id)).sent == 0

    async def test_starting_a_round_again_queues_nothing_twice(
        self, db: Database, campaign: Campaign, outbox_settings: Settings
    ) -> None:
        await executor.run(db, campaign.id, outbox_settings)
        await make_contacts(db, count=2, domain="new.example")
        await rounds.start(db, campaign.id, round_key=rounds.SHARED, scheduled_run="r1")
        # The worker died before the executor started; the campaign went back to completed
        # meanwhile only in this test, to start the same round once more.
        await campaign_rows.transition(db, campaign.id, [State.RUNNING], State.COMPLETED, {})

        started = await rounds.start(db, campaign.id, round_key=rounds.SHARED, scheduled_run="r1")

        status = await campaigns.status(db, campaign.id)
        assert (started.state, started.scheduled_run) == (State.RUNNING, "r1")
        assert (status.sent, status.queued, status.total) == (3, 2, 5)


class TestStatus:
    async def test_campaign_status_lists_its_scheduled_runs(
        self, db: Database, campaign: Campaign, worker: Worker, clock: FakeClock
    ) -> None:
        await make_schedule(db, clock=clock, target=campaign.id, cron="0 9 * * *")
        first = await occurrence(worker, clock, 3600)
        second = await occurrence(worker, clock, DAY)

        status = await campaigns.status(db, campaign.id)

        assert [(r.id, r.status, r.counts["sent"]) for r in status.runs] == [
            (second.id, RunStatus.SUCCEEDED, 0),
            (first.id, RunStatus.SUCCEEDED, 3),
        ]


async def test_deliveries_from_before_rounds_keep_their_identity(
    monkeypatch: pytest.MonkeyPatch, outbox_settings: Settings
) -> None:
    async for db in migrated_before(8, monkeypatch):
        await make_bare_contacts(db, count=2)
        campaign = await make_ready_campaign(
            db, settings=outbox_settings, contacts_count=0, approve=False
        )
        # Deliveries as the code before rounds wrote them: no `round` field at all.
        await db.query(
            "INSERT INTO delivery (SELECT $campaign AS campaign, id AS contact,"
            " 'email' AS channel, 'queued' AS state FROM contact)",
            {"campaign": RecordID("campaign", campaign.id)},
        )

        await migrate(db)
        await delivery_repository.insert_deliveries(
            db,
            [
                {"campaign": campaign.id, "contact": r["contact"], "channel": "email"}
                for r in await delivery_repository.deliveries(db, campaign.id)
            ],
        )

        rows = await delivery_repository.deliveries(db, campaign.id)
        assert [r["round"] for r in rows] == [rounds.SHARED] * 2
