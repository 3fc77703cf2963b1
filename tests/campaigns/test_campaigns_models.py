"""The campaign state machine, sending controls, pacing and tokens (no database)."""

from __future__ import annotations

import pytest

from campaigns.models import Controls, State, check_transition, parse_window
from campaigns.pacing import Pacer
from kernel.errors import ValidationFailed


class TestStateMachine:
    @pytest.mark.parametrize(
        ("current", "target"),
        [
            (State.DRAFT, State.GENERATING),
            (State.GENERATING, State.REVIEW),
            (State.REVIEW, State.APPROVED),
            (State.APPROVED, State.RUNNING),
            (State.RUNNING, State.PAUSED),
            (State.PAUSED, State.RUNNING),
            (State.RUNNING, State.COMPLETED),
            (State.PAUSED, State.CANCELLED),
            (State.GENERATING, State.FAILED),
            (State.FAILED, State.GENERATING),
            (State.FAILED, State.REVIEW),
        ],
    )
    def test_allowed(self, current: State, target: State) -> None:
        check_transition(current, target)

    @pytest.mark.parametrize(
        ("current", "target"),
        [
            (State.DRAFT, State.APPROVED),
            (State.REVIEW, State.RUNNING),
            (State.COMPLETED, State.RUNNING),
            (State.CANCELLED, State.DRAFT),
            (State.APPROVED, State.REVIEW),
        ],
    )
    def test_refused_with_a_clear_error(self, current: State, target: State) -> None:
        with pytest.raises(ValidationFailed, match=f"from {current} to {target}"):
            check_transition(current, target)


def test_send_window_parsing() -> None:
    assert parse_window("") is None
    assert parse_window("500/1h") == (500, 3600.0)
    assert parse_window("10/30s") == (10, 30.0)
    assert parse_window("100 / m") == (100, 60.0)
    with pytest.raises(ValidationFailed):
        parse_window("fast")
    with pytest.raises(ValueError, match="1000/1h"):
        Controls(window="often")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_rate_spaces_messages_evenly() -> None:
    time = FakeTime()
    pacer = Pacer(rate=4, clock=time.clock, sleep=time.sleep)
    stamps = []
    for _ in range(5):
        await pacer.acquire()
        stamps.append(time.now)
    assert stamps == [0.0, 0.25, 0.5, 0.75, 1.0]


async def test_sliding_window_holds_the_next_message_until_the_oldest_expires() -> None:
    time = FakeTime()
    pacer = Pacer(window=(3, 60.0), clock=time.clock, sleep=time.sleep)
    stamps = []
    for _ in range(7):
        await pacer.acquire()
        stamps.append(time.now)
    assert stamps == [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]
