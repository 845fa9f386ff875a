"""Reading `/commit TEXT`: a recurring commitment (a cadence) or a one-off (a due date).

Pure: takes the rep's local "today" and returns either a ParsedCommitment or a
ParseProblem that says what was understood, what was not, and an example. It never
raises, for any text and any `today` (dates that would leave the calendar are "not a
date"). Calendar phrases ("Dec 4", "tomorrow", "2026-12-04", "in 3 days") are read by
dateparser; cadences and weekday names by the rules below.

The work is bounded whatever the text: a text over `MAX_INPUT` characters is refused before
anything else, and dateparser sees at most `MAX_DATE_TRIES` phrases (the tails after the
last due markers), each at most `MAX_DATE_PHRASE` characters long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser

from handlers.rules.due_times import (
    DAY_PATTERN,
    DAY_WORDS,
    WEEKDAY_NAMES,
    cadence_days,
    describe_days,
)

MAX_LENGTH = 300
"""The longest commitment, in characters once runs of white space are one space."""
MAX_INPUT = 500
"""A text longer than this, as typed, is refused before it is even tidied."""
MAX_DATE_PHRASE = 100
"""A longer "by ..." tail is no date (a real one is a few words), so dateparser never sees it."""
MAX_DATE_TRIES = 3
"""How many due markers, counted from the end, may have their tail read as a date."""
MAX_DAYS_AHEAD = 366
EXAMPLES = "`/commit 20 calls every weekday` or `/commit send Acme the proposal by Friday`"

_UNKEEPABLE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
"""Control characters (other than white space) and lone surrogates: not text a person types,
and not text a database keeps (PostgreSQL refuses NUL; UTF-8 has no lone surrogates)."""

_WEEKDAYS = re.compile(
    r"\b(?:(?:every|each|on)\s+)?(?:week\s?days?|work\s?days?|business days)\b|\bmon(?:day)?\s*(?:-|to|through)\s*fri(?:day)?\b"
)
_DAILY = re.compile(r"\b(?:every\s*day|each day|daily|a day|per day|/day|every single day)\b")
_WEEKLY = re.compile(r"\b(?:every week|each week|weekly|a week|per week|/week)\b")
_SOME_DAYS = re.compile(
    rf"\b(?:every|each|on)\s+({DAY_PATTERN})s?((?:\s*(?:,|and|&|\+)\s*(?:{DAY_PATTERN})s?)*)\b"
)
_DUE = re.compile(
    r"\b(by|before|due|on|until|no later than|in(?=\s+(?:\d+|a|an|one|two|three)\s+(?:days?|weeks?|months?)\b))\s+"
)


@dataclass(frozen=True)
class ParsedCommitment:
    """What the rep promised and when: exactly one of `cadence_days`, `weekly` or `due_date`."""

    title: str
    cadence_days: frozenset[int] | None = None
    weekly: bool = False
    due_date: date | None = None

    @property
    def cadence(self) -> str | None:
        """The stored form: "weekly", "days:0,1,2,3,4", or None for a one-off."""
        if self.weekly:
            return "weekly"
        if self.cadence_days is not None:
            return "days:" + ",".join(str(d) for d in sorted(self.cadence_days))
        return None

    def describe_when(self) -> str:
        return describe_when(self.cadence, self.due_date)


@dataclass(frozen=True)
class ParseProblem:
    """Why a commitment could not be logged, in words the rep can act on."""

    understood: str
    problem: str
    example: str = EXAMPLES

    def message(self) -> str:
        lead = f"I understood {self.understood}, but {self.problem}" if self.understood else self.problem[0].upper() + self.problem[1:]
        return f"{lead}\nNothing was saved. Try for example {self.example}."


def describe_when(cadence: str | None, due_date: date | None) -> str:
    """Plain words for a stored cadence or due date."""
    if due_date is not None:
        return f"by {WEEKDAY_NAMES[due_date.weekday()]} {due_date:%-d %b %Y}"
    if cadence == "weekly":
        return "every week"
    days = cadence_days(cadence)
    if days is not None:
        words = describe_days(days)
        return words if words in ("weekdays", "every day", "weekends") else f"every {words}"
    return "no schedule"


def parse_commitment(text: str, today: date) -> ParsedCommitment | ParseProblem:
    """Read one commitment; `today` is the rep's local date."""
    text = str(text)
    if len(text) > MAX_INPUT:
        return ParseProblem("", f"that is {len(text)} characters long; keep a commitment under {MAX_LENGTH}.")
    odd = _UNKEEPABLE.search(text)
    if odd:
        return ParseProblem("", f"it has a character I can't keep (U+{ord(odd.group()):04X}, not something you can type). "
                                "Please type it again.")
    cleaned = " ".join(text.split())
    if not cleaned:
        return ParseProblem("", "there is no commitment after /commit.")
    if len(cleaned) > MAX_LENGTH:
        return ParseProblem("", f"that is {len(cleaned)} characters long; keep a commitment under {MAX_LENGTH}.")
    low = cleaned.lower()

    recurring = _read_recurring(low)
    due = _read_due(cleaned, low, today)
    if recurring is not None:
        (start, end), days, weekly = recurring
        title = _title(cleaned[:start] + " " + cleaned[end:])
        if not title:
            return ParseProblem(f"“{cleaned}” as a schedule", "not what you will do.", "`/commit 20 calls every weekday`")
        return ParsedCommitment(title=title, cadence_days=days, weekly=weekly)

    if due is not None:
        marker, title, phrase, when = due
        if when is None:
            return ParseProblem(
                f"“{title}”" if title else "",
                f"not the date “{phrase}”." if title else f"not the date “{phrase}”, nor what you will do.",
                "`/commit send Acme the proposal by Friday` or `... by 2026-12-04`",
            )
        if marker == "before":
            when = when - timedelta(days=1) if when > date.min else when
        if when < today:
            return ParseProblem(
                f"“{title}” due {WEEKDAY_NAMES[when.weekday()]} {when:%-d %b %Y}",
                "that date is in the past. Pick today or a later day.",
                "`/commit " + (title or "send the proposal") + " by Friday`",
            )
        if (when - today).days > MAX_DAYS_AHEAD:
            return ParseProblem(
                f"“{title}” due {when:%-d %b %Y}",
                "that is more than a year away. Break it into nearer steps.",
            )
        if not title:
            return ParseProblem(f"a due date of {when:%-d %b %Y}", "not what you will do by then.")
        return ParsedCommitment(title=title, due_date=when)

    return ParseProblem(
        f"“{_title(cleaned)}”",
        "not when: say how often (every weekday, daily, every week, every Monday) or by when (by Friday, by 2026-12-04).",
    )


def _read_recurring(low: str) -> tuple[tuple[int, int], frozenset[int] | None, bool] | None:
    m = _WEEKDAYS.search(low)
    if m:
        return (m.start(), m.end()), frozenset(range(5)), False
    m = _SOME_DAYS.search(low)
    if m:
        days = {DAY_WORDS[m.group(1)]} | {DAY_WORDS[d] for d in re.findall(DAY_PATTERN, m.group(2) or "")}
        if m.group(0).startswith("on ") and not re.search(rf"{DAY_PATTERN}s\b", m.group(0)):
            return None  # "on Friday" is a due date; "on Fridays" repeats
        return (m.start(), m.end()), frozenset(days), False
    m = _DAILY.search(low)
    if m:
        return (m.start(), m.end()), frozenset(range(7)), False
    m = _WEEKLY.search(low)
    if m:
        return (m.start(), m.end()), None, True
    return None


def _read_due(cleaned: str, low: str, today: date) -> tuple[str, str, str, date | None] | None:
    """(marker, title, date phrase, date) for the last "by/before/due/on/until DATE" that reads
    as a date; if none does, the last marker with date None; None if there is no marker."""
    fallback: tuple[str, str, str, date | None] | None = None
    for m in reversed(list(_DUE.finditer(low))[-MAX_DATE_TRIES:]):
        phrase = low[m.end():].strip(" .!?,;")
        if m.group(1) == "in":
            phrase = "in " + phrase
        parsed = (m.group(1), _title(cleaned[: m.start()]), phrase, _read_date(phrase, today))
        if parsed[3] is not None:
            return parsed
        fallback = fallback or parsed
    return fallback


def _title(raw: str) -> str:
    return " ".join(raw.split()).strip(" ,.;:-–—!?")


def _read_date(phrase: str, today: date) -> date | None:
    """The date a phrase names, or None (also when the date would fall off the calendar)."""
    try:
        return _calendar_date(phrase, today)
    except OverflowError:  # e.g. "next friday" when today is 31 Dec 9999
        return None


def _calendar_date(phrase: str, today: date) -> date | None:
    phrase = re.sub(r"^(the\s+)?", "", phrase)
    phrase = re.sub(r"\s+(at|by)\s+\d{1,2}(:\d{2})?\s*(am|pm)?$", "", phrase)
    if phrase in ("eod", "end of day", "end of the day", "today", "tonight"):
        return today
    if phrase in ("eow", "end of week", "end of the week", "this week"):
        return today + timedelta(days=(4 - today.weekday()) % 7)
    if phrase in ("eom", "end of month", "end of the month", "this month"):
        first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first_next - timedelta(days=1)
    m = re.fullmatch(rf"(this |next |coming |this coming )?({DAY_PATTERN})", phrase)
    if m:
        ahead = (DAY_WORDS[m.group(2)] - today.weekday()) % 7
        if m.group(1) == "next ":
            monday_next_week = today + timedelta(days=7 - today.weekday())
            return monday_next_week + timedelta(days=DAY_WORDS[m.group(2)])
        return today + timedelta(days=ahead)
    if len(phrase) > MAX_DATE_PHRASE:
        return None
    try:
        parsed = dateparser.parse(
            phrase,
            languages=["en"],
            settings={
                "PREFER_DATES_FROM": "future",
                "RELATIVE_BASE": datetime.combine(today, time(12, 0)),
                "REQUIRE_PARTS": ["day"],
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )
    except Exception:  # dateparser is third-party: any failure on odd input means "not understood"
        return None
    return parsed.date() if parsed is not None else None
