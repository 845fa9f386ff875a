"""Coaching through `handlers.router.handle`, the scheduler's jobs and the outbox on a real
SQLite file: a session logged from an escalation answers its follow-up; who may coach whom;
a session that would pass the rep's cap; a practice answer awaited while commands still win,
and what happens to an empty or unexpected answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.buttons import LogSession, PracticeAction, PracticeRating, PracticeStep
from handlers.buttons import button as make_button
from handlers.commitments import MAX_OPEN
from handlers.contract.incoming import (
    Actor,
    Command,
    FormSubmit,
    SharedFile,
    TextMessage,
)
from handlers.contract.messages import Address
from handlers.contract.outcomes import FormErrors, Result
from handlers.router import handle
from storage.coaching_models import CoachingSession, FollowUp, PracticeRequest
from storage.models import Commitment, Notice
from storage.states import FollowUpAction
from tests.flow_world import World, button, onboard_with_defaults, open_world, text_of
from tests.test_follow_ups import escalate


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        yield opened


async def record_session(world: World, *actions: str) -> Result:
    """Dana answers the session questions (no forms here), then types `done`."""
    result = Result()
    for answer in ("Call volume", "Two weeks of misses on calls.", "skip", "Admin, no list, meetings.", "Mona blocks 9-10 for calls.", *actions, "done"):
        result = await world.say("dana", answer)
    return result


async def test_a_session_logged_from_the_escalation_answers_its_follow_up(world: World) -> None:
    await escalate(world)
    (notice,) = await world.db.all(Notice)
    logged = button(world.last("dana"), "Logged a session")
    started = await world.click("dana", logged)
    assert "coaching session with Mona" in text_of(started)
    await record_session(world, "20 calls every weekday")
    (session,) = await world.db.all(CoachingSession)
    assert session.notice_id == notice.id and session.rep_plan == "Mona blocks 9-10 for calls." and session.buyer_view is None
    (owed,) = await world.db.all(FollowUp)
    assert owed.action == FollowUpAction.SESSION
    assert any("Was it the kind of follow-up you asked for" in text for text in world.received("mona"))


async def test_only_the_reps_active_manager_can_coach_or_ask_to_practise(world: World) -> None:
    for name in ("mona", "dana", "sam"):
        await onboard_with_defaults(world, name)
    await world.command("mona", "accountability", "manager @dana", "dana")
    mona = await world.person("mona")
    for attempt in (
        world.click("sam", make_button("Logged a session", LogSession(mona.id))),
        world.command("sam", "accountability", "coach @mona", "mona"),
        world.command("sam", "accountability", "practice @mona cold calls", "mona"),
        world.command("dana", "accountability", "coach @nobody", "nobody"),
    ):
        assert "Nothing was saved" in text_of(await attempt)
    # Someone of another workspace can't coach her, even one she named there.
    elsewhere = Actor(Address("test", "T2", "dana"), "Dana", "Europe/Berlin")
    await handle(world.ctx, TextMessage(elsewhere, "hi"))
    await handle(world.ctx, Command(world.actor("mona"), "accountability", "manager @dana", (elsewhere.address,)))
    refused = await handle(world.ctx, Command(elsewhere, "accountability", "coach @mona", (Address("test", "T1", "mona"),)))
    assert "Only Mona's accountability partner can coach them here" in text_of(refused)
    assert await world.db.count(CoachingSession) == 0 and await world.db.count(PracticeRequest) == 0
    assert await world.db.count(Commitment) == 0


async def test_a_session_that_would_pass_the_cap_saves_nothing(world: World) -> None:
    for name in ("mona", "dana"):
        await onboard_with_defaults(world, name)
    await world.command("mona", "accountability", "manager @dana", "dana")
    for n in range(MAX_OPEN - 1):
        await world.command("mona", "commit", f"task {n} by 2026-12-20")
    await world.command("dana", "accountability", "coach @mona", "mona")
    refused = await record_session(world, "call the CFO by Friday", "2 demos every week")
    assert "Mona can have at most 25 open commitments" in text_of(refused) and "nothing was saved" in text_of(refused)
    assert await world.db.count(CoachingSession) == 0
    assert await world.db.count(Commitment) == MAX_OPEN - 1


async def test_practice_answer_awaited_commands_still_win_empty_and_stale_answers(world: World) -> None:
    for name in ("mona", "dana"):
        await onboard_with_defaults(world, name)
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("dana", "accountability", "practice @mona", "mona")
    assert await world.db.count(PracticeRequest) == 0  # no skill named: nothing saved
    await world.command("dana", "accountability", "practice @mona the discovery opener", "mona")
    answer = button(world.last("mona"), "Answer")
    await world.click("mona", answer)
    listed = await world.say("mona", "list")  # a command while the answer is awaited runs as one
    assert "no open commitments" in text_of(listed)
    empty = await handle(world.ctx, TextMessage(world.actor("mona"), "   "))
    assert "Your answer is empty" in text_of(empty)
    (asked,) = await world.db.all(PracticeRequest)
    assert asked.status == "requested"
    # The answer form refuses an empty answer on its field.
    form = await handle(world.ctx, FormSubmit(world.actor("mona"), "practice", {"practice": str(asked.id), "answer": ""}))
    assert isinstance(form.items[0], FormErrors) and "answer" in form.items[0].errors
    done = await world.say("mona", "What made you look at this now?")
    assert "Sent to Dana" in text_of(done)
    # A second answer, or a file with nothing awaited, keeps nothing and says so.
    again = await world.click("mona", answer)
    assert "You already answered that one" in text_of(again)
    stray = await handle(world.ctx, TextMessage(world.actor("mona"), "", files=(SharedFile("a.m4a", "audio/mp4", "https://x.test/a"),)))
    assert "no practice request waiting" in text_of(stray)
    # A rating out of range, or on someone else's request, is refused.
    bogus = await world.click("dana", make_button("9", PracticeRating(asked.id + 1, 3)))
    assert "isn't yours" in text_of(bogus)
    note = await world.click("dana", make_button("Add a note", PracticeAction(asked.id, PracticeStep.FEEDBACK)))
    assert "type it now" in text_of(note)
    assert "Your note is empty" in text_of(await handle(world.ctx, TextMessage(world.actor("dana"), " ")))
    await world.say("dana", "Good question; let them answer before the next one.")
    (asked,) = await world.db.all(PracticeRequest)
    assert (asked.status, asked.rating, asked.feedback_note) == ("reviewed", None, "Good question; let them answer before the next one.")
    assert asked.feedback_at is not None and asked.responded_at is not None
