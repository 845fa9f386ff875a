"""`/accountability digest ...`: every cadence form gets a reply that says in plain words when the
next digest comes, in the manager's zone; garbled input gets a clear reply and changes nothing;
typed without the slash while the bot awaits an answer, a digest command still runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from storage.models import Person
from storage.states import DigestCadence
from tests.flow_world import World, berlin, onboard_with_defaults, open_world, text_of

# The world's clock: Monday 23 November 2026, 08:00 in Berlin.
FORMS = [
    ("daily 08:30", "Your digest comes every working day (not weekends or your holidays) at 08:30, your time "
     "(Europe/Berlin). The next one: Mon 23 Nov at 08:30.", (DigestCadence.DAILY, 0, "08:30", True), berlin(23, 8, 30)),
    ("weekly monday 8:00", "Your digest comes every Monday at 08:00, your time (Europe/Berlin). "
     "The next one: Mon 30 Nov at 08:00.", (DigestCadence.WEEKLY, 0, "08:00", True), berlin(30, 8)),
    ("friday 16:00", "Your digest comes every Friday at 16:00, your time (Europe/Berlin). "
     "The next one: Fri 27 Nov at 16:00.", (DigestCadence.WEEKLY, 4, "16:00", True), berlin(27, 16)),
    ("every 2 weeks friday 16:00", "Your digest comes every two weeks on Friday at 16:00, your time (Europe/Berlin). "
     "The next one: Fri 27 Nov at 16:00.", (DigestCadence.FORTNIGHTLY, 4, "16:00", True), berlin(27, 16)),
    ("every two weeks on Wednesday at 9am", "Your digest comes every two weeks on Wednesday at 09:00, your time "
     "(Europe/Berlin). The next one: Wed 25 Nov at 09:00.", (DigestCadence.FORTNIGHTLY, 2, "09:00", True), berlin(25, 9)),
    ("off", "Weekly digest off. `/accountability digest` still shows it any time; `digest on` brings it back.",
     (DigestCadence.WEEKLY, 0, "08:00", False), None),
]
GARBLED = ["sometimes", "daily friday 08:00", "monday 25:00", "every 3 weeks monday 8:00", "weekly 8:61", "tuesday and friday 9:00"]


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        await onboard_with_defaults(opened, "dana")
        yield opened


def settings_of(person: Person) -> tuple[DigestCadence, int, str, bool]:
    return person.digest_cadence, person.digest_weekday, person.digest_time, person.digest_enabled


@pytest.mark.parametrize(("words", "reply", "stored", "next_at"), FORMS, ids=[f[0] for f in FORMS])
async def test_each_cadence_form_says_when_the_next_digest_comes(
    world: World, words: str, reply: str, stored: tuple[DigestCadence, int, str, bool], next_at: datetime | None
) -> None:
    assert text_of(await world.command("dana", "accountability", f"digest {words}")) == reply
    dana = await world.person("dana")
    assert settings_of(dana) == stored
    assert dana.digest_next_at == next_at


async def test_on_brings_the_chosen_cadence_back_in_the_managers_zone(world: World) -> None:
    await world.command("dana", "accountability", "timezone America/New_York")
    await world.command("dana", "accountability", "digest every 2 weeks friday 16:00")
    await world.command("dana", "accountability", "digest off")
    again = await world.command("dana", "accountability", "digest on")
    assert text_of(again) == (
        "Your digest comes every two weeks on Friday at 16:00, your time (America/New_York). The next one: Fri 27 Nov at 16:00."
    )
    assert settings_of(await world.person("dana")) == (DigestCadence.FORTNIGHTLY, 4, "16:00", True)


@pytest.mark.parametrize("words", GARBLED)
async def test_garbled_input_gets_a_clear_reply_and_changes_nothing(world: World, words: str) -> None:
    await world.command("dana", "accountability", "digest daily 07:45")
    before = await world.person("dana")
    reply = text_of(await world.command("dana", "accountability", f"digest {words}"))
    assert reply == (
        f"I didn't understand “{words}”. Try `/accountability digest daily 08:30`, `digest weekly monday 8:00`, "
        "`digest every 2 weeks friday 16:00`, `digest off` or `digest on`. Nothing changed."
    )
    after = await world.person("dana")
    assert settings_of(after) == settings_of(before) == (DigestCadence.DAILY, 0, "07:45", True)
    assert after.digest_next_at == before.digest_next_at


async def test_a_typed_digest_command_runs_while_the_bot_awaits_the_two_questions(sqlite_database_url: str) -> None:
    async with open_world(sqlite_database_url) as world:
        await world.say("dana", "hi")  # the two questions are now awaited
        reply = await world.say("dana", "digest every 2 weeks friday 16:00")
        assert "every two weeks on Friday at 16:00" in text_of(reply)
        assert settings_of(await world.person("dana")) == (DigestCadence.FORTNIGHTLY, 4, "16:00", True)
