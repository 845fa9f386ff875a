"""Out of office: `pause until DATE` (nothing is due through DATE) and `resume`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dateparser

from handlers import reschedule
from handlers.contract.outcomes import Result
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
    rep.paused_until = until
    await reschedule.reschedule(tx, rep, now)
    resume_on = until + timedelta(days=1)
    return result.reply(
        f"Paused through {until:%a %-d %b %Y}: nothing is due and nothing counts as a miss. "
        f"Check-ins start again {resume_on:%a %-d %b}. `/accountability resume` ends the pause early."
    )


def _read_until(phrase: str, today: date) -> date | None:
    if not phrase:
        return None
    try:
        parsed = dateparser.parse(
            phrase, languages=["en"],
            settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime.combine(today, datetime.min.time()).replace(hour=12)},
        )
    except Exception:  # third-party parser: odd input means "not understood"
        return None
    return parsed.date() if parsed else None


async def resume(tx: Tx, rep: Person, now: datetime) -> Result:
    if rep.paused_until is None:
        return Result().reply("You're not paused. (To resume one commitment: `/accountability resume N`.)")
    rep.paused_until = None
    await reschedule.reschedule(tx, rep, now)
    nxt = f" Next check-in: {reschedule.describe_instant(rep.next_checkin_at, rep)}." if rep.next_checkin_at else ""
    return Result().reply("Welcome back: check-ins are on again." + nxt)
