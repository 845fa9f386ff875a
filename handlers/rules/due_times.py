"""When check-ins are due: pure functions over dates, times and zones (no I/O).

All results are aware UTC datetimes. Local times that do not exist (the hour skipped
when clocks spring forward) map to the same wall time on the old offset, i.e. they
slide forward by the size of the gap; ambiguous local times (the repeated hour in
autumn) take their first occurrence. Either way each local day has exactly one slot.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_WORDS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
DAY_PATTERN = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)"
_SEARCH_DAYS = 800


def local_instant(local_date: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on `local_date` in `tz`."""
    return datetime.combine(local_date, at).replace(tzinfo=tz, fold=0).astimezone(UTC)


def end_of_local_day(local_date: date, tz: ZoneInfo) -> datetime:
    """The UTC instant the rep's day ends: the next local midnight."""
    return local_instant(local_date + timedelta(days=1), time(0, 0), tz)


def local_date_of(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


NO_DAYS_OFF: frozenset[date] = frozenset()


def is_paused(local_date: date, paused_until: date | None) -> bool:
    return paused_until is not None and local_date <= paused_until


def is_day_off(local_date: date, paused_until: date | None, days_off: Container[date]) -> bool:
    """Nothing is due this day: the rep is paused, or it is a holiday in their calendar."""
    return is_paused(local_date, paused_until) or local_date in days_off


def next_slot_after(
    after: datetime,
    tz: ZoneInfo,
    days: frozenset[int],
    at: time,
    paused_until: date | None = None,
    days_off: Container[date] = NO_DAYS_OFF,
) -> datetime | None:
    """The first check-in instant strictly after `after`, or None if the rep has no check-in days."""
    if not days:
        return None
    start = local_date_of(after, tz) - timedelta(days=1)
    for offset in range(_SEARCH_DAYS):
        day = start + timedelta(days=offset)
        if day.weekday() not in days or is_day_off(day, paused_until, days_off):
            continue
        slot = local_instant(day, at, tz)
        if slot > after:
            return slot
    return None


def latest_slot_at_or_before(
    now: datetime,
    tz: ZoneInfo,
    days: frozenset[int],
    at: time,
    paused_until: date | None = None,
    days_off: Container[date] = NO_DAYS_OFF,
) -> datetime | None:
    """The most recent check-in instant at or before `now` (used to catch up once after downtime)."""
    if not days:
        return None
    start = local_date_of(now, tz) + timedelta(days=1)
    for offset in range(9):
        day = start - timedelta(days=offset)
        if day.weekday() not in days or is_day_off(day, paused_until, days_off):
            continue
        slot = local_instant(day, at, tz)
        if slot <= now:
            return slot
    return None


def weekly_period(local_date: date) -> str:
    year, week, _ = local_date.isocalendar()
    return f"{year}-W{week:02d}"


def is_last_checkin_day_of_week(local_date: date, checkin_days: frozenset[int]) -> bool:
    return not any(d > local_date.weekday() for d in checkin_days)


def period_for(
    *,
    cadence_days: frozenset[int] | None,
    weekly: bool,
    due_date: date | None,
    slot_date: date,
    checkin_days: frozenset[int],
) -> str | None:
    """The period a commitment is asked about at a check-in on `slot_date`, or None if not due.

    Day-based commitments are asked about on their own days (one none of whose days is a
    check-in day: at the first check-in after its latest day, about that day); weekly ones at
    the last check-in day of the ISO week; one-offs from their due date on, until answered Yes.
    """
    if due_date is not None:
        return slot_date.isoformat() if due_date <= slot_date else None
    if weekly:
        return weekly_period(slot_date) if is_last_checkin_day_of_week(slot_date, checkin_days) else None
    if cadence_days is not None and slot_date.weekday() in cadence_days:
        return slot_date.isoformat()
    if cadence_days and not cadence_days & checkin_days:
        # None of its days is a check-in day: ask at the first check-in after its latest day.
        for back in range(1, 8):
            day = slot_date - timedelta(days=back)
            if day.weekday() in cadence_days:
                return day.isoformat()
            if day.weekday() in checkin_days:
                return None
    return None


def slot_is_waiting(
    slot: datetime | None, now: datetime, tz: ZoneInfo, paused_until: date | None, days_off: Container[date] = NO_DAYS_OFF
) -> bool:
    """A check-in slot has come (at or before `now`) but its day is still open and not a day off:
    the tick has yet to open it, so rescheduling must keep it rather than skip to the next."""
    if slot is None or slot > now:
        return False
    day = local_date_of(slot, tz)
    if is_day_off(day, paused_until, days_off):
        return False
    return end_of_local_day(day, tz) > now


def parse_days(raw: str) -> frozenset[int]:
    """Stored form "0,1,2" (Monday is 0) to a set."""
    return frozenset(int(part) for part in raw.split(",") if part.strip() != "")


def cadence_days(cadence: str | None) -> frozenset[int] | None:
    """The weekdays of a stored day cadence ("days:0,2,4"), or None for weekly and one-off."""
    if cadence is None or not cadence.startswith("days:"):
        return None
    return parse_days(cadence.removeprefix("days:"))


def format_days(days: frozenset[int]) -> str:
    return ",".join(str(d) for d in sorted(days))


def describe_days(days: frozenset[int]) -> str:
    """Plain words: "weekdays", "every day", "Mon, Wed and Fri"."""
    if days == frozenset(range(5)):
        return "weekdays"
    if days == frozenset(range(7)):
        return "every day"
    if days == frozenset({5, 6}):
        return "weekends"
    names = [WEEKDAY_NAMES[d] for d in sorted(days)]
    if not names:
        return "no days"
    if len(names) == 1:
        return FULL_DAY_NAMES[next(iter(days))] + "s"
    return ", ".join(names[:-1]) + " and " + names[-1]
