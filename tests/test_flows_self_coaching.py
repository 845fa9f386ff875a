"""The reflection question the rep chose, and self-coaching after repeated misses, end to end
through `handlers.router.handle`, the scheduler's jobs and the outbox on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from handlers.rules.self_coaching_library import LIBRARY
from storage.coaching_models import SelfCoachingOffer
from storage.models import CheckIn
from tests.flow_world import (
    World,
    berlin,
    button,
    onboard_with_defaults,
    open_world,
    text_of,
)

PROMPTS = {prompt.key: prompt.text for prompt in LIBRARY}


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        yield opened


async def _miss(world: World, name: str, note: str = "Back-to-back meetings.") -> str:
    """`name` answers No on their latest check-in and gives the reflection; what the bot said to both."""
    no = await world.click(name, button(world.last(name), "No"))
    answered = await world.say(name, note)
    return text_of(no) + "\n" + text_of(answered)


async def test_the_chosen_reflection_is_asked_after_a_no_and_kept_with_the_checkin(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await world.say("mona", "hi")
    await world.say("mona", "skip")
    await world.choose("mona", "Weekdays", "16:30", "Encouraging")
    await world.say("mona", "skip")
    assert "Which question should I ask after a No?" in text_of(await world.choose("mona", "Ask me a different question"))
    assert "May your manager see your answers" in text_of(await world.choose("mona", "What will you do differently next time?"))
    saved = await world.choose("mona", "Keep them between us", "2", "Count it as a miss", "Streaks of 5 + promises kept")
    assert "After a No: I ask what you'll do differently next time." in text_of(saved)
    assert "Your answers after a No: they stay between us; your manager never sees them." in text_of(saved)
    (terms,) = await world.terms("mona")
    assert (terms.reflect_on_miss, terms.reflection, terms.share_reflections) == (True, "differently", False)

    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")
    await world.at(berlin(23, 16, 30))
    no = await world.click("mona", button(world.last("mona"), "No"))
    assert "About “20 calls”: What will you do differently next time?" in text_of(no)
    assert "What got in the way" not in text_of(no)
    await world.say("mona", "Block 9 to 10 for calls before email.")
    (checkin,) = await world.db.all(CheckIn)
    assert (checkin.status, checkin.note) == ("no", "Block 9 to 10 for calls before email.")

    await world.at(berlin(24, 16, 30))
    await _miss(world, "mona", "Same again.")
    (escalation,) = [t for t in world.received("dana") if "has missed" in t]
    assert "Block 9 to 10" not in escalation and "Same again" not in escalation, "Mona keeps her answers between us"


async def test_self_coaching_is_offered_after_two_misses_by_kind_and_never_repeated_within_a_month(world: World) -> None:
    await onboard_with_defaults(world, "mona")
    await onboard_with_defaults(world, "raj")
    await world.command("mona", "commit", "20 calls every weekday")
    await world.command("raj", "commit", "practise the pricing pitch every weekday")

    await world.at(berlin(23, 16, 30))
    assert "No need to answer me" not in await _miss(world, "mona"), "one miss is not a pattern"
    await _miss(world, "raj")
    await world.at(berlin(24, 16, 30))
    said = await _miss(world, "mona")
    assert f"“20 calls” has slipped 2 times in a row; that happens to everyone. One question to take with you, if it helps: {PROMPTS['activity.control']}" in said
    assert PROMPTS["skill.rep"] in await _miss(world, "raj"), "a practice commitment gets a skill prompt"
    assert said.index("Thanks, noted") < said.index("has slipped"), "offered after the reflection, not instead of it"

    await world.at(berlin(25, 16, 30))
    assert "No need to answer me" not in await _miss(world, "mona"), "one offer, not a lecture every day"
    mona = await world.person("mona")
    offers = await world.db.all(SelfCoachingOffer, SelfCoachingOffer.person_id == mona.id, order_by=SelfCoachingOffer.id)
    assert [o.prompt_key for o in offers] == ["activity.control"]

    day = berlin(25, 16, 30)
    while day < berlin(25, 16, 30) + timedelta(days=7):  # a week of silence: every unanswered day is a miss
        day += timedelta(days=1)
        await world.at(day)
    await world.at(berlin(30, 16, 30) + timedelta(days=2))  # Wed 2 Dec: the run goes on
    second = await _miss(world, "mona")
    assert PROMPTS["activity.block"] in second and PROMPTS["activity.control"] not in second, "a different prompt within the month"

    day = berlin(30, 16, 30) + timedelta(days=2)
    while day < berlin(24, 16, 30) + timedelta(days=33):
        day += timedelta(days=1)
        await world.at(day)
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
        await world.at(day)
    third = await _miss(world, "mona")
    assert PROMPTS["activity.control"] in third, "after 30 days the first prompt may come again"
    offers = await world.db.all(SelfCoachingOffer, SelfCoachingOffer.person_id == mona.id, order_by=SelfCoachingOffer.id)
    assert [o.prompt_key for o in offers] == ["activity.control", "activity.block", "activity.control"]
    assert all(o.commitment_id is not None for o in offers)
