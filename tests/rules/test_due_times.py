"""Table tests for `handlers.rules.due_times`: when check-ins are due, across DST.

Every expected UTC instant below is written literally, computed by hand from the
zone's offsets on that day (never from the code under test), e.g. New York
2026-03-08 09:00 EDT (-04:00) = 13:00 UTC and 2026-03-07 09:00 EST (-05:00) = 14:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from handlers.rules.due_times import (
    describe_days,
    end_of_local_day,
    latest_slot_at_or_before,
    next_slot_after,
    period_for,
)

ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
NINE = time(9, 0)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_midnight(local_date: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `local_date` as a UTC instant (none of the zones here skip midnight)."""
    return datetime.combine(local_date, time(0, 0), tzinfo=tz).astimezone(UTC)


def walk(
    start: datetime,
    tz: ZoneInfo,
    days: frozenset[int],
    at: time,
    count: int,
    paused_until: date | None = None,
) -> list[datetime]:
    """`count` successive slots, each strictly after the previous one."""
    slots: list[datetime] = []
    after = start
    for _ in range(count):
        slot = next_slot_after(after, tz, days, at, paused_until)
        assert slot is not None
        slots.append(slot)
        after = slot
    return slots


# --------------------------------------------------------------------------- DST walks


@dataclass(frozen=True)
class DstCase:
    zone: str
    transition_day: date
    expected_day_before: datetime  # 09:00 local on the day before, in UTC
    expected_transition: datetime  # 09:00 local on the transition day, in UTC


DST_CASES = [
    pytest.param(
        DstCase("America/New_York", date(2026, 3, 8), utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)),
        id="new_york-spring_forward-EST_to_EDT",
    ),
    pytest.param(
        DstCase("America/New_York", date(2026, 11, 1), utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)),
        id="new_york-fall_back-EDT_to_EST",
    ),
    pytest.param(
        DstCase("Europe/Berlin", date(2026, 3, 29), utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        id="berlin-spring_forward-CET_to_CEST",
    ),
    pytest.param(
        DstCase("Europe/Berlin", date(2026, 10, 25), utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
        id="berlin-fall_back-CEST_to_CET",
    ),
    pytest.param(
        DstCase("Asia/Kolkata", date(2026, 3, 8), utc(2026, 3, 7, 3, 30), utc(2026, 3, 8, 3, 30)),
        id="kolkata-no_dst-plus_0530",
    ),
    pytest.param(
        DstCase("Australia/Lord_Howe", date(2026, 4, 5), utc(2026, 4, 3, 22), utc(2026, 4, 4, 22, 30)),
        id="lord_howe-dst_ends-plus_11_to_plus_1030",
    ),
    pytest.param(
        DstCase("Australia/Lord_Howe", date(2026, 10, 4), utc(2026, 10, 2, 22, 30), utc(2026, 10, 3, 22)),
        id="lord_howe-dst_starts-plus_1030_to_plus_11",
    ),
]


@pytest.mark.parametrize("case", DST_CASES)
def test_daily_0900_walk_across_transition(case: DstCase) -> None:
    tz = ZoneInfo(case.zone)
    first_day = case.transition_day - timedelta(days=4)
    slots = walk(local_midnight(first_day, tz), tz, ALL_DAYS, NINE, count=10)

    local_dates = [s.astimezone(tz).date() for s in slots]
    # exactly one slot per local day, no day skipped, none repeated
    assert local_dates == [first_day + timedelta(days=i) for i in range(10)]
    # each at exactly 09:00 local wall time
    assert all(s.astimezone(tz).time() == NINE for s in slots)
    assert all(s.tzinfo is not None and s.utcoffset() == timedelta(0) for s in slots)
    # strictly increasing
    assert all(a < b for a, b in pairwise(slots))
    # the hand-computed UTC instants around the transition
    by_date = dict(zip(local_dates, slots))
    assert by_date[case.transition_day - timedelta(days=1)] == case.expected_day_before
    assert by_date[case.transition_day] == case.expected_transition


@pytest.mark.parametrize("case", DST_CASES)
def test_slot_itself_is_not_strictly_after_itself(case: DstCase) -> None:
    tz = ZoneInfo(case.zone)
    just_before = case.expected_transition - timedelta(microseconds=1)
    assert next_slot_after(just_before, tz, ALL_DAYS, NINE) == case.expected_transition
    following = next_slot_after(case.expected_transition, tz, ALL_DAYS, NINE)
    assert following is not None
    assert following.astimezone(tz).date() == case.transition_day + timedelta(days=1)
    assert following.astimezone(tz).time() == NINE


# ------------------------------------------------------- non-existent and ambiguous times


@dataclass(frozen=True)
class OddTimeCase:
    zone: str
    day: date
    at: time
    expected: datetime  # the one slot on `day`, in UTC
    expected_wall: time  # what that instant reads on the local clock


ODD_TIME_CASES = [
    # 02:30 does not exist on 2026-03-08 in New York: read on the old offset (EST, -5)
    # = 07:30 UTC, which the clock shows as 03:30 EDT.
    pytest.param(
        OddTimeCase("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30), time(3, 30)),
        id="new_york-0230-nonexistent",
    ),
    # 01:30 happens twice on 2026-11-01 in New York: first occurrence is EDT (-4) = 05:30 UTC.
    pytest.param(
        OddTimeCase("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30), time(1, 30)),
        id="new_york-0130-ambiguous-first_EDT",
    ),
    # 02:30 does not exist on 2026-03-29 in Berlin: CET (+1) = 01:30 UTC = 03:30 CEST.
    pytest.param(
        OddTimeCase("Europe/Berlin", date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 30), time(3, 30)),
        id="berlin-0230-nonexistent",
    ),
    # 02:30 happens twice on 2026-10-25 in Berlin: first is CEST (+2) = 00:30 UTC.
    pytest.param(
        OddTimeCase("Europe/Berlin", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30), time(2, 30)),
        id="berlin-0230-ambiguous-first_CEST",
    ),
    # 02:15 does not exist on 2026-10-04 on Lord Howe (02:00 -> 02:30): +10:30 = 15:45 UTC
    # the day before, shown as 02:45 +11:00.
    pytest.param(
        OddTimeCase("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), utc(2026, 10, 3, 15, 45), time(2, 45)),
        id="lord_howe-0215-nonexistent",
    ),
    # 01:45 happens twice on 2026-04-05 on Lord Howe (02:00 -> 01:30): first is +11 = 14:45 UTC.
    pytest.param(
        OddTimeCase("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), utc(2026, 4, 4, 14, 45), time(1, 45)),
        id="lord_howe-0145-ambiguous-first_plus_11",
    ),
]


@pytest.mark.parametrize("case", ODD_TIME_CASES)
def test_nonexistent_and_ambiguous_times_give_one_slot_that_day(case: OddTimeCase) -> None:
    tz = ZoneInfo(case.zone)
    first_day = case.day - timedelta(days=3)
    slots = walk(local_midnight(first_day, tz), tz, ALL_DAYS, case.at, count=7)
    local_dates = [s.astimezone(tz).date() for s in slots]
    assert local_dates == [first_day + timedelta(days=i) for i in range(7)]
    assert all(a < b for a, b in pairwise(slots))
    on_day = [s for s in slots if s.astimezone(tz).date() == case.day]
    assert on_day == [case.expected]
    assert case.expected.astimezone(tz).time() == case.expected_wall
    # every other day keeps the wall time asked for
    assert all(s.astimezone(tz).time() == case.at for s in slots if s.astimezone(tz).date() != case.day)
    # the second occurrence of an ambiguous time is not a second slot
    following = next_slot_after(case.expected, tz, ALL_DAYS, case.at)
    assert following is not None
    assert following.astimezone(tz).date() == case.day + timedelta(days=1)


# ----------------------------------------------------------------- latest_slot_at_or_before

NY = "America/New_York"


@pytest.mark.parametrize(
    ("zone", "now", "days", "paused_until", "expected"),
    [
        pytest.param(NY, utc(2026, 3, 8, 13), ALL_DAYS, None, utc(2026, 3, 8, 13), id="exactly_at_slot-spring_forward_day"),
        pytest.param(NY, utc(2026, 3, 8, 12, 59), ALL_DAYS, None, utc(2026, 3, 7, 14), id="minute_before-previous_day_EST"),
        pytest.param(NY, utc(2026, 11, 1, 20), ALL_DAYS, None, utc(2026, 11, 1, 14), id="fall_back_day_afternoon"),
        pytest.param(NY, utc(2026, 11, 1, 13, 30), ALL_DAYS, None, utc(2026, 10, 31, 13), id="fall_back_day-before_slot"),
        # Mon 2026-11-23 08:00 EST, weekdays: the last one was Fri 2026-11-20 09:00 EST
        pytest.param(NY, utc(2026, 11, 23, 13), WEEKDAYS, None, utc(2026, 11, 20, 14), id="monday_morning-weekdays-friday"),
        pytest.param(NY, utc(2026, 11, 23, 13), frozenset(), None, None, id="no_days-none"),
        # paused through Sun 22nd: Monday's slot counts
        pytest.param(NY, utc(2026, 11, 23, 15), ALL_DAYS, date(2026, 11, 22), utc(2026, 11, 23, 14), id="pause_ended_yesterday"),
        # paused through today: nothing earlier is unpaused
        pytest.param(NY, utc(2026, 11, 23, 15), ALL_DAYS, date(2026, 11, 23), None, id="paused_through_today-none"),
        # paused Thu/Fri, weekend not a check-in day, Monday's slot not reached yet
        pytest.param(NY, utc(2026, 11, 23, 13), WEEKDAYS, date(2026, 11, 20), None, id="paused_last_week-none"),
        pytest.param("Asia/Kolkata", utc(2026, 11, 23, 3, 30), ALL_DAYS, None, utc(2026, 11, 23, 3, 30), id="kolkata-at_slot"),
        pytest.param("Australia/Lord_Howe", utc(2026, 4, 4, 23), ALL_DAYS, None, utc(2026, 4, 4, 22, 30), id="lord_howe-dst_end_day"),
        # Mondays only; Mon 2026-11-23 08:00 EST, before today's slot: the latest is the
        # Monday a week earlier, 2026-11-16 09:00 EST = 14:00 UTC.
        pytest.param(NY, utc(2026, 11, 23, 13), frozenset({0}), None, utc(2026, 11, 16, 14), id="single_day-a_week_ago"),
    ],
)
def test_latest_slot_at_or_before(
    zone: str, now: datetime, days: frozenset[int], paused_until: date | None, expected: datetime | None
) -> None:
    assert latest_slot_at_or_before(now, ZoneInfo(zone), days, NINE, paused_until) == expected


# ----------------------------------------------------------------------- end_of_local_day


@pytest.mark.parametrize(
    ("zone", "day", "expected_end", "expected_length"),
    [
        pytest.param(NY, date(2026, 3, 8), utc(2026, 3, 9, 4), timedelta(hours=23), id="new_york-spring_forward-23h"),
        pytest.param(NY, date(2026, 11, 1), utc(2026, 11, 2, 5), timedelta(hours=25), id="new_york-fall_back-25h"),
        pytest.param(NY, date(2026, 11, 23), utc(2026, 11, 24, 5), timedelta(hours=24), id="new_york-ordinary-24h"),
        pytest.param("Europe/Berlin", date(2026, 3, 29), utc(2026, 3, 29, 22), timedelta(hours=23), id="berlin-spring_forward-23h"),
        pytest.param("Europe/Berlin", date(2026, 10, 25), utc(2026, 10, 25, 23), timedelta(hours=25), id="berlin-fall_back-25h"),
        pytest.param("Asia/Kolkata", date(2026, 3, 8), utc(2026, 3, 8, 18, 30), timedelta(hours=24), id="kolkata-24h"),
        pytest.param(
            "Australia/Lord_Howe", date(2026, 4, 5), utc(2026, 4, 5, 13, 30), timedelta(hours=24, minutes=30),
            id="lord_howe-dst_ends-24h30",
        ),
        pytest.param(
            "Australia/Lord_Howe", date(2026, 10, 4), utc(2026, 10, 4, 13), timedelta(hours=23, minutes=30),
            id="lord_howe-dst_starts-23h30",
        ),
    ],
)
def test_end_of_local_day(zone: str, day: date, expected_end: datetime, expected_length: timedelta) -> None:
    tz = ZoneInfo(zone)
    end = end_of_local_day(day, tz)
    assert end == expected_end
    assert end.astimezone(tz) == datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    start = end_of_local_day(day - timedelta(days=1), tz)
    assert end - start == expected_length


# ------------------------------------------------------------------------------ period_for


@pytest.mark.parametrize(
    ("cadence_days", "weekly", "due_date", "slot_date", "checkin_days", "expected"),
    [
        pytest.param(WEEKDAYS, False, None, date(2026, 11, 23), WEEKDAYS, "2026-11-23", id="days-weekdays-monday"),
        pytest.param(WEEKDAYS, False, None, date(2026, 11, 28), ALL_DAYS, None, id="days-weekdays-saturday_not_due"),
        pytest.param(frozenset({0, 3}), False, None, date(2026, 11, 26), WEEKDAYS, "2026-11-26", id="days-mon_thu-thursday"),
        pytest.param(frozenset({0, 3}), False, None, date(2026, 11, 25), WEEKDAYS, None, id="days-mon_thu-wednesday_not_due"),
        pytest.param(None, True, None, date(2026, 11, 27), WEEKDAYS, "2026-W48", id="weekly-weekdays-friday_is_last"),
        pytest.param(None, True, None, date(2026, 11, 26), WEEKDAYS, None, id="weekly-weekdays-thursday_not_last"),
        pytest.param(None, True, None, date(2026, 11, 25), frozenset({0, 2}), "2026-W48", id="weekly-mon_wed-wednesday_is_last"),
        pytest.param(None, True, None, date(2026, 11, 23), frozenset({0, 2}), None, id="weekly-mon_wed-monday_not_last"),
        pytest.param(None, True, None, date(2026, 11, 29), ALL_DAYS, "2026-W48", id="weekly-every_day-sunday_is_last"),
        pytest.param(None, True, None, date(2026, 11, 28), ALL_DAYS, None, id="weekly-every_day-saturday_not_last"),
        # 2026 starts on a Thursday, so it has an ISO week 53 that runs into 2027
        pytest.param(None, True, None, date(2027, 1, 1), WEEKDAYS, "2026-W53", id="weekly-iso_week_53-across_new_year"),
        pytest.param(None, False, date(2026, 11, 27), date(2026, 11, 26), WEEKDAYS, None, id="oneoff-before_due-not_asked"),
        pytest.param(None, False, date(2026, 11, 27), date(2026, 11, 27), WEEKDAYS, "2026-11-27", id="oneoff-on_due_date"),
        pytest.param(None, False, date(2026, 11, 27), date(2026, 11, 30), WEEKDAYS, "2026-11-30", id="oneoff-after_due-still_asked"),
        pytest.param(None, False, date(2026, 11, 28), date(2026, 11, 30), WEEKDAYS, "2026-11-30", id="oneoff-due_saturday-asked_monday"),
        pytest.param(None, False, None, date(2026, 11, 23), WEEKDAYS, None, id="no_schedule-none"),
    ],
)
def test_period_for(
    cadence_days: frozenset[int] | None,
    weekly: bool,
    due_date: date | None,
    slot_date: date,
    checkin_days: frozenset[int],
    expected: str | None,
) -> None:
    got = period_for(
        cadence_days=cadence_days, weekly=weekly, due_date=due_date, slot_date=slot_date, checkin_days=checkin_days
    )
    assert got == expected


# --------------------------------------------------------------------------------- pauses


@pytest.mark.parametrize(
    ("paused_until", "expected_dates"),
    [
        pytest.param(None, [date(2026, 11, d) for d in (23, 24, 25, 26, 27)], id="not_paused"),
        pytest.param(date(2026, 11, 20), [date(2026, 11, d) for d in (23, 24, 25, 26, 27)], id="pause_in_past-no_effect"),
        pytest.param(date(2026, 11, 23), [date(2026, 11, d) for d in (24, 25, 26, 27, 28)], id="paused_today_inclusive"),
        pytest.param(date(2026, 11, 25), [date(2026, 11, d) for d in (26, 27, 28, 29, 30)], id="paused_three_days"),
        pytest.param(
            date(2026, 12, 31), [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 4), date(2027, 1, 5)],
            id="paused_to_year_end",
        ),
    ],
)
def test_pause_skips_paused_days(paused_until: date | None, expected_dates: list[date]) -> None:
    tz = ZoneInfo(NY)
    slots = walk(local_midnight(date(2026, 11, 23), tz), tz, ALL_DAYS, NINE, count=5, paused_until=paused_until)
    assert [s.astimezone(tz).date() for s in slots] == expected_dates
    assert all(s.astimezone(tz).time() == NINE for s in slots)


def test_pause_until_is_inclusive_at_the_slot_instant() -> None:
    tz = ZoneInfo(NY)
    # just before Mon 2026-11-23 09:00 EST (14:00 UTC), paused through that Monday
    slot = next_slot_after(utc(2026, 11, 23, 13, 59), tz, ALL_DAYS, NINE, paused_until=date(2026, 11, 23))
    assert slot == utc(2026, 11, 24, 14)


# ----------------------------------------------------------------------- days selection


@pytest.mark.parametrize(
    ("days", "expected_weekdays"),
    [
        pytest.param(WEEKDAYS, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4], id="weekdays-skip_sat_sun"),
        pytest.param(frozenset({0, 2, 4}), [0, 2, 4, 0, 2, 4, 0, 2, 4, 0], id="mon_wed_fri"),
        pytest.param(frozenset({6}), [6] * 10, id="sundays_only"),
        pytest.param(frozenset({5, 6}), [5, 6] * 5, id="weekends"),
    ],
)
def test_days_selection(days: frozenset[int], expected_weekdays: list[int]) -> None:
    tz = ZoneInfo(NY)
    # start on Sat 2026-10-24, so the walk crosses the 2026-11-01 fall-back
    slots = walk(local_midnight(date(2026, 10, 24), tz), tz, days, NINE, count=10)
    local = [s.astimezone(tz) for s in slots]
    assert [d.weekday() for d in local] == expected_weekdays
    assert all(d.time() == NINE for d in local)
    assert len({d.date() for d in local}) == 10
    assert all(a < b for a, b in pairwise(slots))


def test_weekdays_walk_first_slot_is_monday() -> None:
    tz = ZoneInfo(NY)
    # Sat 2026-11-21 noon EST: next weekday slot is Mon 2026-11-23 09:00 EST = 14:00 UTC
    assert next_slot_after(utc(2026, 11, 21, 17), tz, WEEKDAYS, NINE) == utc(2026, 11, 23, 14)


def test_no_days_means_no_slot() -> None:
    assert next_slot_after(utc(2026, 11, 23), ZoneInfo(NY), frozenset(), NINE) is None


# -------------------------------------------------------------------------- describe_days


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        pytest.param(frozenset(range(5)), "weekdays", id="weekdays"),
        pytest.param(frozenset(range(7)), "every day", id="every_day"),
        pytest.param(frozenset({5, 6}), "weekends", id="weekends"),
        pytest.param(frozenset(), "no days", id="none"),
        pytest.param(frozenset({0, 2, 4}), "Mon, Wed and Fri", id="mon_wed_fri"),
        pytest.param(frozenset({1, 3}), "Tue and Thu", id="tue_thu"),
        pytest.param(frozenset({0, 1, 2, 3}), "Mon, Tue, Wed and Thu", id="mon_to_thu"),
        pytest.param(frozenset({0}), "Mondays", id="single-mon"),
        pytest.param(frozenset({1}), "Tuesdays", id="single-tue"),
        pytest.param(frozenset({2}), "Wednesdays", id="single-wed"),
        pytest.param(frozenset({3}), "Thursdays", id="single-thu"),
        pytest.param(frozenset({4}), "Fridays", id="single-fri"),
        pytest.param(frozenset({5}), "Saturdays", id="single-sat"),
        pytest.param(frozenset({6}), "Sundays", id="single-sun"),
    ],
)
def test_describe_days(days: frozenset[int], expected: str) -> None:
    assert describe_days(days) == expected
