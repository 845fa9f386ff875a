"""The reflection the rep chose and the self-coaching prompt, in Teams, through Bot Framework
activities into /api/messages and the fake connector: the terms card picks the question, a No
on the check-in card asks it, the typed answer is kept with that check-in, and the second miss
in a row brings one self-coaching prompt fitted to the commitment's kind, never twice."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.rules.self_coaching_library import LIBRARY
from storage.coaching_models import SelfCoachingOffer
from storage.models import CheckIn, Terms
from tests.teams.harness import MONDAY_1630, TeamsWorld, User, onboard

MONA = User("29:mona", "Mona Berg")
DANA = User("29:dana", "Dana Lee")
TUESDAY_1630 = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
WEDNESDAY_1630 = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
ACTIVITY_PROMPTS = {p.text for p in LIBRARY if p.kind == "activity"}


async def say_no(world: TeamsWorld, at: datetime) -> str:
    """The check-in card at `at`, answered No; what the bot said back."""
    await world.tick(at)
    card = world.connector.posts(MONA.conversation)[-1]
    assert "check-in time" in card.text
    calls = await world.submit(MONA, card, card.action("No")["data"])
    return "\n".join(c.text for c in calls)


async def test_the_chosen_question_is_asked_and_kept_then_one_self_coaching_prompt(world: TeamsWorld) -> None:
    await onboard(world, MONA, after_miss="reflect", reflection="differently", threshold="3")
    (terms,) = await world.db.all(Terms)
    assert (terms.reflect_on_miss, terms.reflection) == (True, "differently")
    await world.install(DANA)
    await world.say(MONA, "commit 20 calls every weekday")
    await world.say(MONA, "manager <at>Dana Lee</at>", DANA)

    asked = await say_no(world, MONDAY_1630)
    assert "What will you do differently next time?" in asked and "What got in the way" not in asked
    await world.say(MONA, "Block the first hour for calls.")
    assert [c.note for c in await world.db.all(CheckIn)] == ["Block the first hour for calls."]
    assert await world.db.all(SelfCoachingOffer) == [], "one miss is not a pattern yet"

    await say_no(world, TUESDAY_1630)
    replies = [c.text for c in await world.say(MONA, "Client fire drill all afternoon.")]
    offered = [text for text in replies if "2 misses in a row" in text]
    assert len(offered) == 1, replies
    assert any(prompt in offered[0] for prompt in ACTIVITY_PROMPTS), "an activity gets an activity prompt"
    (offer,) = await world.db.all(SelfCoachingOffer)
    assert offer.prompt_key.startswith("activity.")
    assert sorted(c.note or "" for c in await world.db.all(CheckIn)) == [
        "Block the first hour for calls.", "Client fire drill all afternoon.",
    ]

    await say_no(world, WEDNESDAY_1630)
    replies = [c.text for c in await world.say(MONA, "Same again.")]
    assert not any("in a row. One question for you" in text for text in replies), "at most one offer a week"
    assert len(await world.db.all(SelfCoachingOffer)) == 1
    assert not any("One question for you" in c.text for c in world.connector.posts(DANA.conversation)), (
        "the self-coaching prompt is the rep's alone"
    )
