"""Wall-clock schedules across DST changes, in two zones with different change dates."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kernel.errors import ValidationFailed
from scheduling.recurrence import check_cron, localize, next_cron, zone


def occurrences(expr: str, tz: str, start: datetime, count: int) -> list[datetime]:
    found, after = [], start
    for _ in range(count):
        after = next_cron(expr, tz, after)
        found.append(after)
    return found


class TestDailyNineAcrossDST:
    @pytest.mark.parametrize(
        ("tz", "start", "offsets"),
        [
            # Spring forward: Berlin on 29 March 2026, New York on 8 March 2026.
            ("Europe/Berlin", datetime(2026, 3, 26, 12, tzinfo=UTC), [8, 8, 7, 7]),
            ("America/New_York", datetime(2026, 3, 5, 18, tzinfo=UTC), [14, 14, 13, 13]),
            # Fall back: Berlin on 25 October 2026, New York on 1 November 2026.
            ("Europe/Berlin", datetime(2026, 10, 22, 12, tzinfo=UTC), [7, 7, 8, 8]),
            ("America/New_York", datetime(2026, 10, 29, 18, tzinfo=UTC), [13, 13, 14, 14]),
        ],
    )
    def test_stays_at_nine_local_and_moves_in_utc(
        self, tz: str, start: datetime, offsets: list[int]
    ) -> None:
        found = occurrences("0 9 * * *", tz, start, 4)

        assert [t.astimezone(ZoneInfo(tz)).hour for t in found] == [9, 9, 9, 9]
        assert [t.hour for t in found] == offsets
        assert [t.tzinfo for t in found] == [UTC] * 4
        days = [t.astimezone(ZoneInfo(tz)).date() for t in found]
        assert len(set(days)) == 4  # one run per day, none lost, none doubled


class TestTimesAChangeCreatesOrRemoves:
    def test_a_skipped_wall_time_runs_when_the_clock_jumps_past_it(self) -> None:
        found = occurrences("30 2 * * *", "Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC), 2)

        local = [t.astimezone(ZoneInfo("Europe/Berlin")) for t in found]
        assert [(t.day, t.hour, t.minute) for t in local] == [(29, 3, 30), (30, 2, 30)]

    def test_a_repeated_wall_time_runs_once(self) -> None:
        # 02:30 happens twice in Berlin on 25 October 2026.
        found = occurrences(
            "30 * * * *", "Europe/Berlin", datetime(2026, 10, 24, 23, tzinfo=UTC), 4
        )

        assert [t.strftime("%H:%M") for t in found] == ["23:30", "00:30", "02:30", "03:30"]

    def test_starting_inside_the_second_pass_does_not_repeat_the_first(self) -> None:
        second_pass = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, after 02:30 CEST

        assert next_cron("30 2 * * *", "Europe/Berlin", second_pass) == datetime(
            2026, 10, 26, 1, 30, tzinfo=UTC
        )


class TestOneTime:
    def test_a_naive_time_is_wall_time_in_the_zone(self) -> None:
        at = localize(datetime(2026, 12, 1, 9, 0), "Europe/Berlin")

        assert at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def test_an_explicit_offset_wins_over_the_zone(self) -> None:
        at = localize(datetime.fromisoformat("2026-07-01T09:00-04:00"), "Europe/Berlin")

        assert at == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)


class TestValidation:
    def test_unknown_zone(self) -> None:
        with pytest.raises(ValidationFailed, match="unknown time zone"):
            zone("Mars/Olympus")

    @pytest.mark.parametrize("expr", ["bad", "0 9 * *", "61 9 * * *", "0 9 * * * *"])
    def test_invalid_cron(self, expr: str) -> None:
        with pytest.raises(ValidationFailed, match="invalid cron"):
            check_cron(expr)

    def test_cron_is_normalized(self) -> None:
        assert check_cron("  0  9 * *   MON ") == "0 9 * * MON"
