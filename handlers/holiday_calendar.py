"""Public holidays as days off: `/accountability holidays DE BY` (a country and, where it has
them, a region), `holidays off`, or `holidays` to see the calendar. Nothing is due on a holiday;
the calendars come from the `holidays` package."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays

from handlers import reschedule
from handlers.contract.outcomes import Result
from handlers.days_off import days_off
from storage.models import Person
from storage.store import Tx

EXAMPLE = "`/accountability holidays DE BY` (country, then region if it has them), or `holidays off`"


def _read(text: str) -> tuple[str, str | None] | str:
    """(country, region) from `DE BY` / `de-by` / `US`, or what is wrong with it."""
    parts = text.replace("-", " ").upper().split()
    supported = holidays.list_supported_countries()
    if not parts or len(parts) > 2 or parts[0] not in supported:
        return f"I don't know the holiday calendar “{text.strip()[:24]}”. Use a two-letter country code, like {EXAMPLE}."
    country, region = parts[0], parts[1] if len(parts) == 2 else None
    regions = supported[country]
    if region is not None and region not in regions:
        shown = ", ".join(regions[:12]) + (" ..." if len(regions) > 12 else "")
        return f"{country} has no region “{region}”. Its regions: {shown}."
    return country, region


def _describe(person: Person, today: date) -> str:
    calendar = days_off(person)
    upcoming = [today + timedelta(days=n) for n in range(0, 120) if today + timedelta(days=n) in calendar][:3]
    place = person.holiday_country + (f"-{person.holiday_region}" if person.holiday_region else "") if person.holiday_country else ""
    soon = f" Next: {', '.join(f'{d:%a %-d %b}' for d in upcoming)}." if upcoming else ""
    return f"Holidays of {place} are days off: nothing is due on them.{soon}"


async def set_calendar(tx: Tx, person: Person, text: str, now: datetime) -> Result:
    today = now.astimezone(reschedule.zone(person)).date()
    words = text.strip()
    if not words:
        if not person.holiday_country:
            return Result().reply(f"No holiday calendar is set. Set one with {EXAMPLE}.")
        return Result().reply(_describe(person, today))
    if words.lower() == "off":
        person.holiday_country = person.holiday_region = None
    else:
        read = _read(words)
        if isinstance(read, str):
            return Result().reply(read + " Nothing changed.")
        person.holiday_country, person.holiday_region = read
    await reschedule.reschedule(tx, person, now)
    lines = [_describe(person, today) if person.holiday_country else "Holiday calendar off: holidays are ordinary days again."]
    if person.next_checkin_at is not None:
        lines.append(f"Next check-in: {reschedule.describe_instant(person.next_checkin_at, person)}.")
    return Result().reply(" ".join(lines))
