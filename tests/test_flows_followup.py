"""The two questions asked as a conversation, and what the answers make the bot do after a
check-in, end to end through `handlers.router.handle`, the scheduler's jobs and the outbox
on a real SQLite file: versioned terms, a stale terms button, the later nudge, escalation
at a threshold and a declined manager, streak wins. Every button clicked is one the bot
sent (`tests.flow_world`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.models import CheckIn, ManagerLink, Notice, Terms
from tests.flow_world import (
    World,
    berlin,
    button,
    onboard_with_defaults,
    open_world,
    text_of,
)


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        yield opened


async def test_nudge_later_lets_a_no_become_a_yes_before_the_day_ends(world: World) -> None:
    await world.say("mona", "hi")
    await world.say("mona", "skip")
    await world.choose("mona", "Weekdays", "16:30", "Encouraging")
    await world.say("mona", "skip")
    await world.choose("mona", "Nudge me again later that day", "1", "Count it as a miss", "Keep my wins to myself")
    (terms,) = await world.terms("mona")
    assert (terms.checkin_days, terms.checkin_time, terms.tone) == ("0,1,2,3,4", "16:30", "encouraging")
    assert (terms.reflect_on_miss, terms.nudge_later, terms.escalate_after, terms.no_answer_is_miss) == (False, True, 1, True)
    assert (terms.share_streak_every, terms.share_oneoff_wins, terms.support_words, terms.followup_words) == (None, False, None, None)
    await world.command("mona", "accountability", "manager @dana", "dana")  # unknown yet: refused
    assert await world.db.count(ManagerLink) == 0
    await onboard_with_defaults(world, "dana")
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")

    await world.at(berlin(23, 16, 30))
    checkin = world.last("mona")
    no = await world.click("mona", button(checkin, "No"))
    assert "What got in the way" not in text_of(no), "Mona chose a later nudge, not a reflection question"
    assert not any("has missed" in t for t in world.received("dana")), "not settled until the nudge is answered"
    (row,) = await world.db.all(CheckIn)
    assert (row.status, row.awaiting_nudge, row.awaiting_note, row.settled_at) == ("no", True, False, None)

    await world.at(berlin(23, 19, 30))
    nudge = world.last("mona")
    assert "Still time today" in nudge.plain_text
    done = await world.click("mona", button(nudge, "Done it now"))
    assert "Nice work" in text_of(done)
    (row,) = await world.db.all(CheckIn)
    assert (row.status, row.recovered, row.awaiting_nudge) == ("yes", True, False)
    await world.at(berlin(24, 1, 0))
    assert not any("has missed" in t for t in world.received("dana")), "a recovered miss is no miss"
    assert await world.db.count(Notice) == 0


async def test_threshold_one_escalates_once_per_run_and_a_declined_manager_hears_nothing(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await world.say("mona", "hi")
    await world.say("mona", "Weekdays at 16:30, just the facts")
    await world.say("mona", "Ask me what got in the way. Tell my manager after 1 miss.")
    await world.choose("mona", "Count it as a miss", "Streaks of 3 + promises kept")
    (terms,) = await world.terms("mona")
    assert (terms.checkin_days, terms.checkin_time, terms.tone, terms.escalate_after) == ("0,1,2,3,4", "16:30", "facts", 1)
    assert (terms.reflect_on_miss, terms.nudge_later, terms.share_streak_every, terms.share_oneoff_wins) == (True, False, 3, True)
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")

    for day in (23, 24):
        await world.at(berlin(day, 16, 30))
        await world.click("mona", button(world.last("mona"), "No"))
        await world.say("mona", f"reason {day}")
    escalations = [t for t in world.received("dana") if "has missed" in t]
    assert len(escalations) == 1 and "1 time in a row" in escalations[0] and "reason 23" in escalations[0]
    assert [(c.status, c.note) for c in await world.db.all(CheckIn, order_by=CheckIn.id)] == [("no", "reason 23"), ("no", "reason 24")]
    assert [n.kind for n in await world.db.all(Notice)] == ["escalation"]

    link_message = next(m for m in world.chat.inbox["dana"] if "named you" in m.plain_text)
    await world.click("dana", button(link_message, "Decline"))
    assert any("declined to be your accountability partner" in t for t in world.received("mona"))
    assert [link.status for link in await world.db.all(ManagerLink)] == ["declined"]
    before = len(world.received("dana"))
    for day in (25, 26, 27):
        await world.at(berlin(day, 16, 30))
        await world.click("mona", button(world.last("mona"), "Yes"))
    assert len(world.received("dana")) == before, "a declined manager hears nothing, wins included"
    assert [n.kind for n in await world.db.all(Notice)] == ["escalation"]


async def test_streak_wins_at_k_and_each_multiple(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await world.say("mona", "hi")
    await world.say("mona", "every day at 9am, encouraging")
    await world.say("mona", "skip")
    await world.choose("mona", "Ask me what got in the way", "2", "Count it as a miss", "Streaks of 3 + promises kept")
    (terms,) = await world.terms("mona")
    assert (terms.checkin_days, terms.checkin_time, terms.tone, terms.escalate_after) == ("0,1,2,3,4,5,6", "09:00", "encouraging", 2)
    assert (terms.reflect_on_miss, terms.nudge_later, terms.share_streak_every, terms.share_oneoff_wins) == (True, False, 3, True)
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "update CRM daily")
    for day in range(24, 30):
        await world.at(berlin(day, 9, 0))
        await world.click("mona", button(world.last("mona"), "Yes"))
    wins = [t for t in world.received("dana") if t.startswith("🎉")]
    assert len(wins) == 2 and "3 check-ins in a row" in wins[0] and "6 check-ins in a row" in wins[1]
    assert [c.status for c in await world.db.all(CheckIn)] == ["yes"] * 6
    assert [n.kind for n in await world.db.all(Notice)] == ["win", "win"]


async def test_terms_are_versioned_and_shown_back(world: World) -> None:
    await world.say("mona", "hi")
    await world.say("mona", "Mon Wed Fri at 8am please, straight talk")
    await world.say("mona", "never tell my manager. Ask me what got in the way")
    done = await world.choose("mona", "Don't count it", "Keep my wins to myself")
    assert "version 1" in text_of(done)
    assert "Mon, Wed and Fri at 08:00" in text_of(done)
    assert "your manager never hear about misses" not in text_of(done)
    assert "your manager never hears about misses from me" in text_of(done)
    (first,) = await world.terms("mona")
    assert (first.version, first.checkin_days, first.checkin_time, first.tone) == (1, "0,2,4", "08:00", "straight")
    assert (first.reflect_on_miss, first.nudge_later, first.escalate_after, first.no_answer_is_miss) == (True, False, None, False)
    assert (first.share_streak_every, first.share_oneoff_wins) == (None, False)
    assert first.support_words == "Mon Wed Fri at 8am please, straight talk"
    assert first.followup_words == "never tell my manager. Ask me what got in the way"
    await world.command("mona", "accountability", "terms")
    await world.say("mona", "weekdays at 17:00, encouraging")
    await world.say("mona", "skip")
    last = await world.choose("mona", "Both", "3", "Count it as a miss", "Streaks of 5 + promises kept")
    assert "version 2" in text_of(last)
    assert await world.db.count(Terms) == 2
    old, new = await world.terms("mona")
    assert (old.id, old.version, old.checkin_time) == (first.id, 1, "08:00"), "the old version is kept as it was"
    assert (new.version, new.checkin_days, new.checkin_time, new.tone) == (2, "0,1,2,3,4", "17:00", "encouraging")
    assert (new.reflect_on_miss, new.nudge_later, new.escalate_after, new.no_answer_is_miss) == (True, True, 3, True)
    assert (new.share_streak_every, new.share_oneoff_wins, new.followup_words) == (5, True, None)
    overview = await world.command("mona", "accountability", "")
    assert "weekdays at 17:00" in text_of(overview)


async def test_a_stale_terms_button_is_harmless(world: World) -> None:
    await world.say("mona", "hi")
    keep_defaults = world.offered("mona", "Keep the defaults for now")
    await world.say("mona", "skip")
    asked = (await world.person("mona")).conversation_state
    stale = await world.click("mona", keep_defaults)
    assert "already answered" in text_of(stale)
    assert (await world.person("mona")).conversation_state == asked, "still at the question after the one answered"
    assert await world.terms("mona") == []
