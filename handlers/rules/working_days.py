"""Working days in a person's own calendar: weekends, their public holidays and their pause are
not working days. Pure functions over dates and zones (no I/O); results are aware UTC datetimes."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.rules.due_times import (
    NO_DAYS_OFF,
    end_of_local_day,
    is_day_off,
    local_date_of,
    local_instant,
)

WEEKEND = frozenset({5, 6})
FOLLOW_UP_DAYS = 3
"""A manager has three working days to follow up an escalation."""
_SEARCH_DAYS = 800


def is_working_day(day: date, paused_until: date | None = None, days_off: Container[date] = NO_DAYS_OFF) -> bool:
    return day.weekday() not in WEEKEND and not is_day_off(day, paused_until, days_off)


def working_days_after(
    start: date, count: int, paused_until: date | None = None, days_off: Container[date] = NO_DAYS_OFF
) -> date:
    """The `count`th working day strictly after `start` (`start` itself never counts).
    A calendar with no working day for years (a pause that long cannot be set) ends the search."""
    found = 0
    day = start
    for _ in range(_SEARCH_DAYS):
        day += timedelta(days=1)
        if is_working_day(day, paused_until, days_off):
            found += 1
            if found == count:
                return day
    return day


def follow_up_due(
    at: datetime, tz: ZoneInfo, paused_until: date | None = None, days_off: Container[date] = NO_DAYS_OFF,
    days: int = FOLLOW_UP_DAYS,
) -> datetime:
    """The end (next local midnight) of the `days`th working day after the local day of `at`."""
    return end_of_local_day(working_days_after(local_date_of(at, tz), days, paused_until, days_off), tz)


def one_working_day_later(
    at: datetime, tz: ZoneInfo, paused_until: date | None = None, days_off: Container[date] = NO_DAYS_OFF
) -> datetime:
    """The same wall time on the next working day after the local day of `at`."""
    local = at.astimezone(tz)
    day = working_days_after(local.date(), 1, paused_until, days_off)
    return local_instant(day, local.time().replace(tzinfo=None), tz)
