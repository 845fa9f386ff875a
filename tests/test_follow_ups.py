"""Coaching that is itself accountable, end to end through `handlers.router.handle`, the
scheduler's jobs and the outbox on a real SQLite file: an escalation offers "I'll follow up"
and "Logged a session" and owes a follow-up within three working days of the manager's own
calendar; one reminder when nobody acted (exactly one, also under overlapping ticks); the rep
is asked once whether the follow-up was the kind they asked for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete

from handlers import follow_ups
from handlers.contract.outcomes import Update
from handlers.current_terms import columns_of
from handlers.escalation import _tell_manager
from handlers.rules.terms_text import DEFAULT_TERMS
from scheduler.jobs import run_due
from storage.coaching_models import FollowUp
from storage.models import Commitment, Notice, Outbox, Person, Terms
from storage.states import NoticeKind
from tests.flow_world import (
    MONDAY_8,
    World,
    berlin,
    button,
    onboard_with_defaults,
    open_world,
    text_of,
)

ESCALATED_AT = berlin(25, 0, 5)
"""Tuesday's day closes with a second unanswered check-in: Mona's manager hears (Wed 25 Nov, Berlin)."""
DUE_WITH_THANKSGIVING = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
"""Dana keeps the US calendar: Thu 26 Nov is a holiday, so Fri 27, Mon 30, Tue 1 Dec; the end of Tuesday, Berlin time."""


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        yield opened


async def escalate(world: World) -> None:
    """Mona (default terms: her manager hears after 2 misses in a row) lets two check-ins pass."""
    await onboard_with_defaults(world, "mona")
    await onboard_with_defaults(world, "dana")
    await world.say("dana", "holidays US")
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")
    await world.at(berlin(23, 16, 30))
    await world.at(berlin(24, 16, 30))
    await world.at(ESCALATED_AT)


async def test_an_escalation_offers_the_follow_up_and_owes_it_within_three_working_days(world: World) -> None:
    await escalate(world)
    escalation = world.last("dana")
    assert "Mona has missed “20 calls”" in escalation.plain_text
    assert [b.label for b in escalation.buttons] == ["I'll follow up", "Logged a session"]
    (notice,) = await world.db.all(Notice)
    (owed,) = await world.db.all(FollowUp)
    mona, dana = await world.person("mona"), await world.person("dana")
    assert (owed.notice_id, owed.rep_id, owed.manager_id, owed.action, owed.reminded_at) == (notice.id, mona.id, dana.id, None, None)
    assert owed.created_at == ESCALATED_AT and owed.due_at == DUE_WITH_THANKSGIVING
    assert button(escalation, "Logged a session").value == f"{mona.id}:{notice.id}"


async def test_one_reminder_after_three_working_days_never_two(world: World) -> None:
    await escalate(world)
    before = len(world.received("dana"))
    await world.at(datetime(2026, 12, 1, 22, 59, tzinfo=UTC))  # Thanksgiving did not count: not due yet
    assert not any("gentle reminder" in t for t in world.received("dana")[before:])

    await world.at(DUE_WITH_THANKSGIVING)
    await asyncio.gather(run_due(world.ctx.store, DUE_WITH_THANKSGIVING), run_due(world.ctx.store, DUE_WITH_THANKSGIVING))
    await world.at(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    reminders = [m for m in world.chat.inbox["dana"][before:] if "gentle reminder" in m.plain_text]
    assert len(reminders) == 1
    assert "How Mona asked to be followed up: “after a miss, I ask what got in the way”" in reminders[0].plain_text
    assert [b.label for b in reminders[0].buttons] == ["I'll follow up", "Logged a session"]
    (owed,) = await world.db.all(FollowUp)
    assert owed.reminded_at == DUE_WITH_THANKSGIVING and owed.action is None

    # The reminder's button still works, and the rep is asked a working day later.
    clicked = await world.click("dana", button(reminders[0], "I'll follow up"))
    assert "Noted that you'll follow up with Mona" in text_of(clicked)


async def test_ill_follow_up_is_the_managers_alone_recorded_once_and_stops_the_reminder(world: World) -> None:
    await escalate(world)
    escalation = world.last("dana")
    promise = button(escalation, "I'll follow up")
    stranger = await world.click("nils", promise)
    assert "went to someone else" in text_of(stranger)
    assert (await world.db.all(FollowUp))[0].action is None

    world.clock.set(berlin(25, 9, 0))
    notice_id = (await world.db.all(Notice))[0].id
    done = await world.click("dana", promise)
    assert "Noted that you'll follow up with Mona" in text_of(done)
    (edited,) = [item.message for item in done.items if isinstance(item, Update) and item.message_key == f"notice:{notice_id}"]
    assert "✅ You said you'll follow up (Wed 25 Nov)" in edited.plain_text and [b.label for b in edited.buttons] == ["Logged a session"]
    (owed,) = await world.db.all(FollowUp)
    assert (owed.action, owed.acted_at) == ("promised", berlin(25, 9, 0))
    again = await world.click("dana", promise)
    assert "Already noted: you said you'll follow up with Mona. Nothing changed." in text_of(again)
    assert (await world.db.all(FollowUp))[0].acted_at == berlin(25, 9, 0)

    # The rep hears nothing yet; a working day later (Dana's calendar: Thanksgiving is off) she is asked once.
    await world.at(berlin(26, 9, 30))
    assert not any("followed up on" in t for t in world.received("mona"))
    await world.at(berlin(27, 9, 0))
    await world.at(berlin(27, 9, 5))
    asked = [m for m in world.chat.inbox["mona"] if "followed up on" in m.plain_text]
    assert len(asked) == 1
    assert asked[0].plain_text == (
        "Dana followed up on “20 calls”. Was it the kind of follow-up you asked for (“after a miss, I ask what got in the way”)?"
    )
    await world.at(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert not any("gentle reminder" in t for t in world.received("dana"))

    # Someone else can't answer for her; her one click is stored; a second changes nothing.
    refused = await world.click("nils", button(asked[0], "It was"))
    assert "That question was for someone else" in text_of(refused)
    answered = await world.click("mona", button(asked[0], "Not quite"))
    assert "Thank you for saying so" in text_of(answered)
    (edited_question,) = [item.message for item in answered.items if isinstance(item, Update)]
    assert "You said: not quite what you asked for." in edited_question.plain_text
    twice = await world.click("mona", button(asked[0], "It was"))
    assert "Already noted" in text_of(twice)
    (owed,) = await world.db.all(FollowUp)
    assert (owed.verdict, owed.verdict_at) == ("not_as_asked", datetime(2026, 12, 4, 9, 0, tzinfo=UTC))


async def test_a_logged_session_answers_the_follow_up_and_asks_the_rep_right_away(world: World) -> None:
    await escalate(world)
    mona, dana = await world.person("mona"), await world.person("dana")
    world.clock.set(berlin(25, 12, 0))
    async with world.ctx.store.transaction() as tx:
        await follow_ups.session_logged(tx, dana, mona.id, None, berlin(25, 11, 0))
    async with world.ctx.store.transaction() as tx:  # a second save changes nothing
        await follow_ups.session_logged(tx, dana, mona.id, None, berlin(25, 12, 0))
    await world.dispatcher.drain(real_sleep=False)
    (owed,) = await world.db.all(FollowUp)
    assert (owed.action, owed.acted_at) == ("session", berlin(25, 11, 0))
    asked = [m for m in world.chat.inbox["mona"] if "followed up on" in m.plain_text]
    assert len(asked) == 1 and [b.label for b in asked[0].buttons] == ["It was", "Not quite"]
    await world.click("mona", button(asked[0], "It was"))
    assert (await world.db.all(FollowUp))[0].verdict == "as_asked"
    promise = await world.click("dana", button(world.chat.inbox["dana"][-1], "I'll follow up"))
    assert "Already noted: you logged a coaching session with Mona" in text_of(promise)


async def test_a_promise_then_a_session_brings_the_question_forward_and_asks_once(world: World) -> None:
    await escalate(world)
    await world.click("dana", button(world.last("dana"), "I'll follow up"))
    mona, dana = await world.person("mona"), await world.person("dana")
    async with world.ctx.store.transaction() as tx:
        await follow_ups.session_logged(tx, dana, mona.id, (await world.db.all(Notice))[0].id, ESCALATED_AT)
    await world.dispatcher.drain(real_sleep=False)
    assert sum("followed up on" in t for t in world.received("mona")) == 1
    assert (await world.db.all(FollowUp))[0].action == "session"


@pytest.mark.parametrize("share", [True, False])
async def test_reflections_are_quoted_only_where_the_rep_allows_it(world: World, share: bool) -> None:
    await onboard_with_defaults(world, "mona")
    await onboard_with_defaults(world, "dana")
    mona = await world.person("mona")
    spec = DEFAULT_TERMS.with_changes(escalate_after=1, share_reflections=share)
    async with world.ctx.store.transaction() as tx:
        await tx.terms.add(Terms(person_id=mona.id, version=1, created_at=MONDAY_8, **columns_of(spec)))
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")
    await world.at(berlin(23, 16, 30))
    await world.click("mona", button(world.last("mona"), "No"))
    await world.say("mona", "Demo prep ate the afternoon.")
    escalation = world.last("dana").plain_text
    assert "Mona has missed “20 calls”" in escalation
    assert ("Demo prep ate the afternoon." in escalation) is share


async def test_a_message_already_sent_leaves_no_notice_and_no_follow_up_behind(world: World) -> None:
    await escalate(world)
    mona = await world.person("mona")
    (commitment,) = await world.db.all(Commitment)
    (sent,) = [row for row in await world.db.all(Outbox) if (row.dedupe_key or "").startswith("escalation:")]
    async with world.ctx.store.transaction() as tx:
        rep = await tx.people.get(mona.id)
        assert rep is not None
        await _tell_manager(tx, rep, commitment, NoticeKind.ESCALATION, ESCALATED_AT, "again", None, "p", once=str(sent.dedupe_key))
    assert (await world.db.count(Notice), await world.db.count(FollowUp)) == (1, 1)
    assert await world.db.count(Person) == 2


async def test_an_escalation_told_before_follow_ups_were_kept_can_still_be_promised(world: World) -> None:
    await escalate(world)
    async with world.db.sessions() as s, s.begin():
        await s.execute(delete(FollowUp))
    assert await world.db.count(FollowUp) == 0
    done = await world.click("dana", button(world.last("dana"), "I'll follow up"))
    assert "Noted that you'll follow up with Mona" in text_of(done)
    (owed,) = await world.db.all(FollowUp)
    assert (owed.action, owed.created_at, owed.due_at) == ("promised", ESCALATED_AT, DUE_WITH_THANKSGIVING)


async def test_overlapping_ticks_send_one_reminder_on_every_database(database_url: str) -> None:
    async with open_world(database_url) as world:
        await escalate(world)
        before = len(world.received("dana"))
        world.clock.set(DUE_WITH_THANKSGIVING)
        reports = await asyncio.gather(*(run_due(world.ctx.store, DUE_WITH_THANKSGIVING) for _ in range(4)))
        await world.dispatcher.drain(real_sleep=False)
        assert sum(report.reminders for report in reports) == 1
        assert sum("gentle reminder" in text for text in world.received("dana")[before:]) == 1
        (owed,) = await world.db.all(FollowUp)
        assert owed.reminded_at == DUE_WITH_THANKSGIVING


async def test_a_win_offers_send_kudos_and_owes_no_follow_up(world: World) -> None:
    await onboard_with_defaults(world, "mona")
    await onboard_with_defaults(world, "dana")
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "send Acme the proposal by Monday")
    await world.at(berlin(23, 16, 30))
    await world.click("mona", button(world.last("mona"), "Yes"))
    await world.dispatcher.drain(real_sleep=False)
    win = world.last("dana")
    assert "Mona kept a promise: “send Acme the proposal”" in win.plain_text
    (notice,) = await world.db.all(Notice)
    mona = await world.person("mona")
    assert [(b.label, b.action, b.value) for b in win.buttons] == [("Send kudos", "kudos", f"{mona.id}:{notice.id}")]
    assert (notice.kind, await world.db.count(FollowUp)) == ("win", 0)
