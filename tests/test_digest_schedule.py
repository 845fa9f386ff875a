"""Digests arrive once at each manager's own local time, across DST, whatever the cadence: the
scheduler's jobs run every 15 minutes through March 2027 (the US changes clocks on 14 March,
the EU on 28 March) and every digest sent is recorded at the instant it went out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.flow_world import World, onboard_with_defaults, open_world

NEW_YORK, BERLIN = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")
SETUP = datetime(2027, 2, 28, 12, 0, tzinfo=UTC)  # a Sunday
END = datetime(2027, 4, 4, 0, 0, tzinfo=UTC)
MANAGERS = {  # manager: (their rep, zone, digest command or None for the default, holidays or None)
    "nina": ("rita", "America/New_York", None, None),
    "bert": ("rolf", "Europe/Berlin", "weekly monday 8:00", None),
    "dora": ("dirk", "America/New_York", "daily 08:30", None),
    "ernst": ("enno", "Europe/Berlin", "daily 7:15", "DE"),
    "fritz": ("finn", "Europe/Berlin", "every 2 weeks friday 16:00", None),
}


def local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


MARCH = days(date(2027, 3, 1), date(2027, 4, 3))
GOOD_FRIDAY, EASTER_MONDAY = date(2027, 3, 26), date(2027, 3, 29)
EXPECTED = {
    "nina": [local(d, time(8), NEW_YORK) for d in MARCH if d.weekday() == 0],
    "bert": [local(d, time(8), BERLIN) for d in MARCH if d.weekday() == 0],
    "dora": [local(d, time(8, 30), NEW_YORK) for d in MARCH if d.weekday() < 5],
    "ernst": [local(d, time(7, 15), BERLIN) for d in MARCH if d.weekday() < 5 and d not in (GOOD_FRIDAY, EASTER_MONDAY)],
    "fritz": [local(d, time(16), BERLIN) for d in (date(2027, 3, 5), date(2027, 3, 19), date(2027, 4, 2))],
}


async def _team_up(world: World) -> None:
    for manager, (rep, zone, cadence, holidays) in MANAGERS.items():
        for name in (manager, rep):
            await onboard_with_defaults(world, name)
        await world.command(manager, "accountability", f"timezone {zone}")
        if holidays:
            await world.command(manager, "accountability", f"holidays {holidays}")
        if cadence:
            await world.command(manager, "accountability", f"digest {cadence}")
        await world.command(rep, "accountability", f"manager @{manager}", manager)


async def test_each_digest_comes_once_at_local_time_across_dst_for_every_cadence(sqlite_database_url: str) -> None:
    async with open_world(sqlite_database_url) as world:
        world.clock.set(SETUP)
        await _team_up(world)
        seen = {manager: len(world.received(manager)) for manager in MANAGERS}
        arrived: dict[str, list[datetime]] = {manager: [] for manager in MANAGERS}
        when = SETUP
        while when < END:
            when += timedelta(minutes=15)
            await world.at(when)
            for manager in MANAGERS:
                for text in world.received(manager)[seen[manager]:]:
                    assert text.startswith(("Your weekly digest.", "Your daily digest.", "Your two-weekly digest.")), text
                    arrived[manager].append(when)
                seen[manager] = len(world.received(manager))

    for manager, expected in EXPECTED.items():
        assert arrived[manager] == expected, manager
    assert EXPECTED["nina"][1].hour == 13 and EXPECTED["nina"][2].hour == 12, "the US changed clocks in between"
    assert EXPECTED["bert"][3].hour == 7 and EXPECTED["bert"][4].hour == 6, "and the EU two weeks later"
