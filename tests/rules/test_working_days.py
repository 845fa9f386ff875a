"""Table tests for "three working days later" in a manager's own zone and calendar: weekends,
a public holiday, a pause, and the end of day across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import holidays
import pytest

from handlers.rules.working_days import (
    follow_up_due,
    is_working_day,
    one_working_day_later,
    working_days_after,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
GERMANY = holidays.country_holidays("DE")
US = holidays.country_holidays("US")


@pytest.mark.parametrize(
    ("start", "days_off", "paused_until", "expected"),
    [
        (date(2026, 11, 23), frozenset(), None, date(2026, 11, 26)),  # Mon -> Thu
        (date(2026, 11, 26), frozenset(), None, date(2026, 12, 1)),  # Thu -> Fri, Mon, Tue
        (date(2026, 11, 27), frozenset(), None, date(2026, 12, 2)),  # Fri -> Mon, Tue, Wed
        (date(2026, 11, 28), frozenset(), None, date(2026, 12, 2)),  # Sat -> Mon, Tue, Wed
        (date(2026, 12, 23), GERMANY, None, date(2026, 12, 29)),  # Wed -> Thu, (25, 26 holidays, 27 Sun) Mon, Tue
        (date(2026, 11, 25), US, None, date(2026, 12, 1)),  # Wed -> (Thanksgiving Thu 26) Fri, Mon, Tue
        (date(2026, 11, 23), frozenset(), date(2026, 11, 25), date(2026, 11, 30)),  # paused to Wed: Thu, Fri, Mon
    ],
)
def test_working_days_after(start: date, days_off: frozenset[date], paused_until: date | None, expected: date) -> None:
    assert working_days_after(start, 3, paused_until, days_off) == expected


@pytest.mark.parametrize(
    ("at", "tz", "days_off", "expected"),
    [
        # Monday 10:00 Berlin (CET): end of Thursday = Fri 00:00 CET = Thu 23:00 UTC.
        (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), BERLIN, frozenset(), datetime(2026, 11, 26, 23, 0, tzinfo=UTC)),
        # Friday before clocks go back (25 Oct): the third working day ends in CET, not CEST.
        (datetime(2026, 10, 23, 14, 0, tzinfo=UTC), BERLIN, frozenset(), datetime(2026, 10, 28, 23, 0, tzinfo=UTC)),
        # Thursday before clocks go forward (29 Mar): Fri, Mon, Tue; Tue ends at 22:00 UTC (CEST).
        (datetime(2026, 3, 26, 9, 0, tzinfo=UTC), BERLIN, frozenset(), datetime(2026, 3, 31, 22, 0, tzinfo=UTC)),
        # Monday 23:30 UTC is still Monday in New York (EST): Tue, Wed, Thu; Thu ends 05:00 UTC Fri.
        (datetime(2026, 11, 23, 23, 30, tzinfo=UTC), NEW_YORK, frozenset(), datetime(2026, 11, 27, 5, 0, tzinfo=UTC)),
        # Monday 23:30 UTC is already Tuesday in Berlin: Wed, Thu, Fri.
        (datetime(2026, 11, 23, 23, 30, tzinfo=UTC), BERLIN, frozenset(), datetime(2026, 11, 27, 23, 0, tzinfo=UTC)),
        # A Berlin manager, escalated on Tuesday 22 Dec: Wed 23, Thu 24, (25, 26 holidays, 27 Sun) Mon 28.
        (datetime(2026, 12, 22, 9, 0, tzinfo=UTC), BERLIN, GERMANY, datetime(2026, 12, 28, 23, 0, tzinfo=UTC)),
    ],
)
def test_follow_up_due_is_the_end_of_the_third_working_day(
    at: datetime, tz: ZoneInfo, days_off: frozenset[date], expected: datetime
) -> None:
    assert follow_up_due(at, tz, None, days_off) == expected


def test_one_working_day_later_keeps_the_wall_time_across_dst_and_weekends() -> None:
    # Friday 23 Oct 2026 16:00 CEST -> Monday 26 Oct 16:00 CET (15:00 UTC).
    assert one_working_day_later(datetime(2026, 10, 23, 14, 0, tzinfo=UTC), BERLIN) == datetime(2026, 10, 26, 15, 0, tzinfo=UTC)
    # Wednesday before Christmas with the German calendar: Thu 24 is a working day there.
    assert one_working_day_later(datetime(2026, 12, 23, 9, 0, tzinfo=UTC), BERLIN, None, GERMANY) == datetime(2026, 12, 24, 9, 0, tzinfo=UTC)


def test_weekends_holidays_and_pauses_are_not_working_days() -> None:
    assert is_working_day(date(2026, 11, 27))
    assert not is_working_day(date(2026, 11, 28))
    assert not is_working_day(date(2026, 12, 25), None, GERMANY)
    assert not is_working_day(date(2026, 11, 24), date(2026, 11, 24))
