"""A person's days off beyond their pause: the public holidays of the calendar they chose
(`holidays` package), as a container of dates the due-time rules skip."""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from functools import lru_cache

import holidays

from handlers.rules.due_times import NO_DAYS_OFF
from storage.models import Person


@lru_cache(maxsize=256)
def _calendar(country: str, region: str | None) -> Container[date]:
    return holidays.country_holidays(country, subdiv=region)


def days_off(person: Person) -> Container[date]:
    """The person's holidays (an empty container when they set no calendar)."""
    if not person.holiday_country:
        return NO_DAYS_OFF
    try:
        return _calendar(person.holiday_country, person.holiday_region)
    except NotImplementedError:  # a calendar the installed package no longer knows
        return NO_DAYS_OFF
