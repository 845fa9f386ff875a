"""Reading a time zone someone types: an IANA name in any letter case (`europe/berlin`), a
city (`Berlin`, `New York`), or a common abbreviation (`CET`, `PST`), with suggestions for
what can't be read as exactly one zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "UTC": ("UTC",), "GMT": ("Europe/London", "UTC"), "BST": ("Europe/London",),
    "WET": ("Europe/Lisbon",), "CET": ("Europe/Berlin", "Europe/Paris", "Europe/Madrid"),
    "CEST": ("Europe/Berlin", "Europe/Paris"), "EET": ("Europe/Athens", "Europe/Helsinki"),
    "IST": ("Asia/Kolkata", "Europe/Dublin"), "SGT": ("Asia/Singapore",), "JST": ("Asia/Tokyo",),
    "AEST": ("Australia/Sydney",), "AEDT": ("Australia/Sydney",), "NZST": ("Pacific/Auckland",),
    "EST": ("America/New_York",), "EDT": ("America/New_York",), "CST": ("America/Chicago", "Asia/Shanghai"),
    "CDT": ("America/Chicago",), "MST": ("America/Denver", "America/Phoenix"), "MDT": ("America/Denver",),
    "PST": ("America/Los_Angeles",), "PDT": ("America/Los_Angeles",),
}


@dataclass(frozen=True)
class ZoneReading:
    zone: str | None
    """The one zone the text names, if it names exactly one."""
    suggestions: tuple[str, ...] = ()


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone by its lowercased name."""
    return {name.lower(): name for name in available_timezones() if "/" in name or name == "UTC"}


@cache
def _by_city() -> dict[str, tuple[str, ...]]:
    cities: dict[str, list[str]] = {}
    for name in sorted(_zones().values()):
        if name.startswith(("Etc/", "SystemV/")):
            continue
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        cities.setdefault(city, []).append(name)
    return {city: tuple(names) for city, names in cities.items()}


def is_zone(name: str | None) -> bool:
    """A zone this machine knows (what the platforms send is checked with this)."""
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def read_zone(text: str) -> ZoneReading:
    raw = text.strip()
    if not raw or len(raw) > 64:
        return ZoneReading(None)
    exact = _zones().get(raw.lower().replace(" ", "_"))
    if exact is not None:
        return ZoneReading(exact)
    abbreviation = ABBREVIATIONS.get(raw.upper())
    if abbreviation is not None:
        return ZoneReading(None, abbreviation)  # an abbreviation is ambiguous (and ignores DST): confirm
    city = re.sub(r"\s+", " ", raw.replace("_", " ")).lower()
    named = _by_city().get(city, ())
    if len(named) == 1:
        return ZoneReading(None, named)  # a city: confirm the full name rather than guess
    if named:
        return ZoneReading(None, named[:5])
    near = tuple(name for key, name in sorted(_zones().items()) if city in key.replace("_", " "))[:5]
    return ZoneReading(None, near)
