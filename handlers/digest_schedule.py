"""When a manager's digest comes and what it covers: reading `/accountability digest ...`
(daily, weekly, every two weeks, a day and a time), the next instant in the manager's zone,
the period a digest covers (its cadence) and the period before it, for the trend."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.days_off import days_off
from handlers.rules.due_times import (
    DAY_PATTERN,
    DAY_WORDS,
    FULL_DAY_NAMES,
    WEEKDAY_NAMES,
    latest_slot_at_or_before,
    local_date_of,
    local_instant,
    next_slot_after,
)
from handlers.rules.terms_text import read_time
from storage.models import Person
from storage.states import DigestCadence

WORKING_DAYS = frozenset(range(5))
WEEK = timedelta(days=7)
Window = tuple[datetime, datetime]
"""[start, end) of check-ins' due times."""

_CADENCE = (
    r"(?:(?P<daily>daily|every ?day|every working day|each working day|working days)"
    r"|(?P<weekly>weekly|every week|each week)"
    r"|(?P<fortnightly>every (?:2|two) weeks|every other week|fortnightly|biweekly|bi-weekly))"
)
_TIME = r"(?:[01]?\d|2[0-3])(?:[:.h][0-5]\d)?\s*(?:am|pm)?|noon"
_COMMAND = re.compile(
    rf"^(?:{_CADENCE})?\s*(?:on\s+)?(?P<day>{DAY_PATTERN})?s?\s*(?:at\s+)?(?P<time>{_TIME})?$"
)


@dataclass(frozen=True)
class Choice:
    """What a `digest ...` command asks for; None fields keep what the manager had."""

    cadence: DigestCadence | None
    weekday: int | None
    at: time | None


def read_choice(text: str) -> Choice | None:
    """`daily 08:30`, `weekly monday 8:00`, `monday 08:00`, `every 2 weeks friday 16:00`, `9am`...;
    None when it is not one of those (a daily digest names no day)."""
    low = " ".join(text.lower().split())
    match = _COMMAND.fullmatch(low)
    if match is None or not low:
        return None
    cadence = next((DigestCadence(name) for name in ("daily", "weekly", "fortnightly") if match.group(name)), None)
    day, clock = match.group("day"), match.group("time")
    at = read_time(clock if clock and not clock.isdigit() else f"{clock}:00") if clock else None
    if clock and at is None:
        return None
    if cadence == DigestCadence.DAILY and day:
        return None
    if cadence is None and not day and not clock:
        return None
    return Choice(cadence, DAY_WORDS[day] if day else None, at)


def apply(person: Person, choice: Choice) -> None:
    """Set the manager's cadence, day and time from `choice` (a day alone means weekly, unless
    they already have it every two weeks)."""
    if choice.cadence is not None:
        person.digest_cadence = choice.cadence
    elif choice.weekday is not None and person.digest_cadence == DigestCadence.DAILY:
        person.digest_cadence = DigestCadence.WEEKLY
    if choice.weekday is not None:
        person.digest_weekday = choice.weekday
    if choice.at is not None:
        person.digest_time = f"{choice.at:%H:%M}"


def zone(person: Person) -> ZoneInfo:
    return ZoneInfo(person.tz)


def _at(person: Person) -> time:
    hour, minute = (int(part) for part in person.digest_time.split(":"))
    return time(hour, minute)


def next_digest_at(person: Person, after: datetime, last: datetime | None = None) -> datetime | None:
    """The manager's next digest strictly after `after` (None: digests are off). `last`: the
    digest just sent, so that every-two-weeks skips the week in between."""
    if not person.digest_enabled:
        return None
    tz, at = zone(person), _at(person)
    if person.digest_cadence == DigestCadence.DAILY:
        return next_slot_after(after, tz, WORKING_DAYS, at, person.paused_until, days_off(person))
    if person.digest_cadence == DigestCadence.FORTNIGHTLY and last is not None:
        after = max(after, local_instant(local_date_of(last, tz) + timedelta(days=8), time(0, 0), tz))
    return next_slot_after(after, tz, frozenset({person.digest_weekday}), at)


def _previous_working_slot(person: Person, before: datetime) -> datetime:
    """The daily slot on the working day before the local day of `before` (a day earlier if none
    is found within the rules' search)."""
    tz = zone(person)
    day_start = local_instant(local_date_of(before, tz), time(0, 0), tz)
    found = latest_slot_at_or_before(
        day_start - timedelta(microseconds=1), tz, WORKING_DAYS, _at(person), person.paused_until, days_off(person)
    )
    return found if found is not None else before - timedelta(days=1)


def periods(person: Person, now: datetime) -> tuple[Window, Window]:
    """The period the digest at `now` covers (its cadence, ending now) and the one before it."""
    if person.digest_cadence == DigestCadence.DAILY:
        start = _previous_working_slot(person, now)
        return (start, now), (_previous_working_slot(person, start), start)
    length = 2 * WEEK if person.digest_cadence == DigestCadence.FORTNIGHTLY else WEEK
    return (now - length, now), (now - 2 * length, now - length)


PERIOD_WORDS = {
    DigestCadence.DAILY: ("since your last digest", "the working day before"),
    DigestCadence.WEEKLY: ("this week", "the week before"),
    DigestCadence.FORTNIGHTLY: ("these two weeks", "the two weeks before"),
}
TITLES = {
    DigestCadence.DAILY: "Your daily digest.",
    DigestCadence.WEEKLY: "Your weekly digest.",
    DigestCadence.FORTNIGHTLY: "Your two-weekly digest.",
}


def describe(person: Person, next_at: datetime | None) -> str:
    """The manager's digest schedule and the next one, in plain words and their own zone."""
    if not person.digest_enabled:
        return "Your digest is off."
    at = person.digest_time
    if person.digest_cadence == DigestCadence.DAILY:
        rhythm = f"every working day (not weekends or your holidays) at {at}"
    elif person.digest_cadence == DigestCadence.FORTNIGHTLY:
        rhythm = f"every two weeks on {FULL_DAY_NAMES[person.digest_weekday]} at {at}"
    else:
        rhythm = f"every {FULL_DAY_NAMES[person.digest_weekday]} at {at}"
    text = f"Your digest comes {rhythm}, your time ({person.tz})."
    if next_at is not None:
        local = next_at.astimezone(zone(person))
        text += f" The next one: {WEEKDAY_NAMES[local.weekday()]} {local.day} {local:%b} at {local:%H:%M}."
    return text
