"""Time that belongs to the rep: their own zone (set by them, or read and checked from the
platform), holidays as days off, pauses that mean what they say, and day-closing that edits a
check-in message once. Each through the real router, ticks and outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.contract.incoming import Actor, TextMessage
from handlers.router import handle
from storage.models import CheckIn, Notice, Outbox, Prompt
from tests.flow_world import World, berlin, onboard_with_defaults, open_world, text_of


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        yield opened


async def _say_as(world: World, name: str, tz: str | None, text: str) -> str:
    actor = Actor(world.actor(name).address, name.capitalize(), tz)
    return text_of(await handle(world.ctx, TextMessage(actor, text)))


async def test_a_rep_sets_their_own_zone_and_it_wins_over_the_platform(world: World) -> None:
    await onboard_with_defaults(world, "mona")
    await world.say("mona", "commit 20 calls every weekday")

    unknown = text_of(await world.say("mona", "timezone Berlin"))
    moved = text_of(await world.say("mona", "timezone america/new_york"))
    await _say_as(world, "mona", "Europe/Berlin", "list")  # the platform still says Berlin

    assert "Did you mean `Europe/Berlin`?" in unknown and "Nothing changed" in unknown
    assert "Your time zone is now America/New_York" in moved and "Next check-in: Mon 23 Nov at 16:30" in moved
    person = await world.person("mona")
    assert (person.tz, person.tz_chosen) == ("America/New_York", True)
    assert person.next_checkin_at == berlin(23, 22, 30)  # 16:30 in New York
    abbreviation = text_of(await world.say("mona", "timezone CET"))
    assert "`Europe/Berlin`" in abbreviation and (await world.person("mona")).tz == "America/New_York"


async def test_an_unknown_platform_zone_keeps_the_last_known_and_says_so(world: World) -> None:
    first = await _say_as(world, "rita", "Mars/Olympus_Mons", "hi")
    later = await _say_as(world, "rita", "Not/AZone", "help")
    person = await world.person("rita")

    assert "“Mars/Olympus_Mons”, which I don't know, so I'm using UTC" in first
    assert person.tz == "UTC" and "Here's what I understand" in later
    await _say_as(world, "rita", "Europe/Lisbon", "list")
    await _say_as(world, "rita", "Bogus/Zone", "list")
    assert (await world.person("rita")).tz == "Europe/Lisbon"


async def test_someone_whose_platform_sends_no_zone_is_asked_for_it_once(world: World) -> None:
    first = await _say_as(world, "tom", None, "hi")
    second = await _say_as(world, "tom", None, "skip")
    assert "I don't know your time zone yet, so I'm using UTC" in first and "timezone Europe/Berlin" in first
    assert "time zone" not in second


async def test_a_managers_digest_follows_the_zone_they_turn_out_to_have(world: World) -> None:
    await onboard_with_defaults(world, "mona")
    await _say_as(world, "dana", None, "hi")  # Dana's platform sent no zone: UTC for now
    await world.command("mona", "accountability", "manager @dana", "dana")
    before = (await world.person("dana")).digest_next_at
    await _say_as(world, "dana", "Asia/Tokyo", "list")
    after = (await world.person("dana")).digest_next_at
    assert before is not None and after is not None
    assert before.hour == 8 and after.hour == 23  # Monday 08:00 in UTC, then 08:00 in Tokyo (23:00 UTC the day before)


async def test_holidays_are_days_off_and_the_rep_hears_the_next_checkin(world: World) -> None:
    await onboard_with_defaults(world, "mona")
    await world.say("mona", "commit 20 calls every weekday")
    world.clock.set(berlin(24, 18, 0))  # Tuesday evening
    bad = text_of(await world.say("mona", "holidays XX"))
    set_ = text_of(await world.say("mona", "holidays DE BE"))

    assert "I don't know the holiday calendar" in bad
    assert "Holidays of DE-BE are days off" in set_ and "Next check-in: Wed 25 Nov at 16:30" in set_
    person = await world.person("mona")
    assert (person.holiday_country, person.holiday_region) == ("DE", "BE")
    # Christmas Day (Fri 25 Dec 2026) is a holiday in Berlin: Thursday's check-in, then Monday's
    await world.at(berlin(24, 16, 31).replace(month=12))
    await world.at(berlin(28, 16, 31).replace(month=12))
    dates = sorted(p.local_date.isoformat() for p in await world.db.all(Prompt))
    assert "2026-12-25" not in dates and {"2026-12-24", "2026-12-28"} <= set(dates)


@pytest.mark.parametrize(
    ("said_on", "text", "expected"),
    [
        (berlin(27, 9), "pause until Friday", "Paused through Fri 27 Nov 2026"),
        (berlin(25, 9), "pause until Nov 20", "Fri 20 Nov 2026 is in the past"),
        (berlin(25, 9), "pause until 2099-01-01", "more than a year away"),
        (berlin(25, 9), "pause until Dec 24", "Paused through Thu 24 Dec 2026"),
    ],
)
async def test_pause_dates_mean_what_the_rep_said(world: World, said_on: object, text: str, expected: str) -> None:
    await onboard_with_defaults(world, "mona")
    world.clock.set(said_on)  # type: ignore[arg-type]
    reply = text_of(await world.say("mona", text))
    assert expected in reply
    paused = (await world.person("mona")).paused_until
    assert (paused is None) == ("Nothing changed" in reply)


async def test_the_escalation_names_only_the_days_that_counted_as_misses(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await world.say("mona", "hi")
    await world.say("mona", "skip")
    # weekdays 16:30, reflection, manager after 2, a missing answer does NOT count, no wins
    for label in ("Weekdays", "16:30", "Just the facts"):
        await world.choose("mona", label)
    await world.say("mona", "skip")
    for label in ("Neither", "2", "Don't count it", "Keep my wins to myself"):
        await world.choose("mona", label)
    await world.say("mona", "commit 20 calls every weekday")
    await world.command("mona", "accountability", "manager @dana", "dana")

    await world.at(berlin(23, 16, 30))
    await world.click("mona", world.offered_in_last("mona", "No"))
    await world.at(berlin(24, 16, 30))  # Tuesday: no answer (doesn't count)
    await world.at(berlin(25, 16, 30))
    await world.click("mona", world.offered_in_last("mona", "No"))

    (notice,) = await world.db.all(Notice)
    assert "2 times in a row (Mon 23 Nov, Wed 25 Nov)" in notice.text
    statuses = [c.status for c in await world.db.all(CheckIn, order_by=CheckIn.id)]
    assert statuses == ["no", "no_answer", "no"]


async def test_closing_a_day_edits_the_checkin_message_once(world: World) -> None:
    await onboard_with_defaults(world, "mona")
    for text in ("20 calls every weekday", "update CRM daily", "2 demos every weekday"):
        await world.say("mona", f"commit {text}")
    await world.at(berlin(23, 16, 30))
    await world.at(berlin(24, 0, 5))

    edits = await world.db.all(Outbox, Outbox.operation == "update")
    assert len(edits) == 1
    assert [c.status for c in await world.db.all(CheckIn)] == ["no_answer"] * 3
    assert world.last("mona").plain_text.count("— no answer") == 3


async def test_a_commitment_on_days_off_the_checkin_days_is_asked_at_the_next_checkin(world: World) -> None:
    await onboard_with_defaults(world, "mona")  # weekdays
    logged = text_of(await world.say("mona", "commit team lunch every Sat"))
    assert "It falls on none of your check-in days (weekdays), so I'll ask about it at your first check-in after each time" in logged
    await world.at(berlin(30, 16, 31))  # Monday after the first Saturday

    (checkin,) = await world.db.all(CheckIn)
    assert checkin.period == "2026-11-28"
    assert "team lunch" in world.last("mona").plain_text
