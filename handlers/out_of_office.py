"""Out of office: `pause until DATE` (nothing is due through DATE) and `resume`."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import dateparser

from handlers import reschedule
from handlers.contract.outcomes import Result
from handlers.rules.due_times import DAY_WORDS
from storage.models import Person
from storage.store import Tx


async def pause(tx: Tx, rep: Person, text: str, now: datetime) -> Result:
    """`pause until DATE`: nothing is due through DATE (inclusive)."""
    result = Result()
    phrase = text.strip()
    phrase = phrase[len("until"):].strip() if phrase.lower().startswith("until") else phrase
    today = now.astimezone(reschedule.zone(rep)).date()
    until = _read_until(phrase, today)
    if until is None:
        return result.reply(
            f"I couldn't read “{phrase}” as a date. Try `/accountability pause until 2026-12-24` or `pause until Friday`. Nothing changed."
        )
    if until < today:
        return result.reply(f"{until:%a %-d %b %Y} is in the past. Pick today or a later day. Nothing changed.")
    if until > today + MAX_PAUSE:
        return result.reply(
            f"{until:%a %-d %b %Y} is more than a year away. Pause for at most a year (until {today + MAX_PAUSE:%-d %b %Y}), "
            "or drop the commitments you won't keep with `/accountability drop N`. Nothing changed."
        )
    rep.paused_until = until
    await reschedule.reschedule(tx, rep, now)
    resume_on = until + timedelta(days=1)
    return result.reply(
        f"Paused through {until:%a %-d %b %Y}: nothing is due and nothing counts as a miss. "
        f"Check-ins start again {resume_on:%a %-d %b}. `/accountability resume` ends the pause early."
    )


MAX_PAUSE = timedelta(days=366)
_YEAR = re.compile(r"\b\d{4}\b")


def _read_until(phrase: str, today: date) -> date | None:
    """The last day of the pause. A weekday means the next one on or after today ("until Friday"
    said on a Friday is today); a date without a year is this year's, even if it has passed
    (so a slip like "Nov 20" said on Nov 25 is caught as past, not taken as next year), except
    within the next ten months' roll-over (said in December, "Jan 5" is next January)."""
    words = phrase.strip().lower()
    if not words or len(words) > 40:
        return None
    weekday = DAY_WORDS.get(words.removeprefix("this ").strip().rstrip("."))
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    try:
        parsed = dateparser.parse(
            phrase, languages=["en"],
            settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime.combine(today, datetime.min.time()).replace(hour=12)},
        )
    except Exception:  # third-party parser: odd input means "not understood"
        return None
    if parsed is None:
        return None
    until = parsed.date()
    if not _YEAR.search(phrase) and until.year > today.year:
        this_year = _same_day_in(until, today.year)
        if this_year is not None and (today - this_year).days <= 60:
            return this_year
    return until


def _same_day_in(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return None


async def resume(tx: Tx, rep: Person, now: datetime) -> Result:
    if rep.paused_until is None:
        return Result().reply("You're not paused. (To resume one commitment: `/accountability resume N`.)")
    rep.paused_until = None
    await reschedule.reschedule(tx, rep, now)
    nxt = f" Next check-in: {reschedule.describe_instant(rep.next_checkin_at, rep)}." if rep.next_checkin_at else ""
    return Result().reply("Welcome back: check-ins are on again." + nxt)
