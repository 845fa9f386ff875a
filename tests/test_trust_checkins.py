"""A miss the manager hears about is a real miss, and no check-in slot is lost:

- a check-in whose commitment is done, dropped or paused, or whose rep paused, settles as void:
  never a miss, never in a run, never escalated, and its message says so;
- a command typed while a reflection is awaited runs as the command (the reflection stays
  awaited); two Nos each get their own reflection, in order;
- any change between a slot and the tick that opens it keeps the slot (a table over every kind
  of change at offsets around the slot).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from handlers.contract.incoming import Actor, FormSubmit, TextMessage
from handlers.pipeline import home_page
from handlers.router import handle
from storage.models import CheckIn, Commitment, Notice, Prompt
from tests.flow_world import World, berlin, onboard_with_defaults, open_world, text_of

MONDAY_SLOT = berlin(23, 16, 30)  # the defaults: weekdays at 16:30


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        yield opened


async def _mona_with_dana(world: World, *commitments: str) -> None:
    await onboard_with_defaults(world, "dana")
    await onboard_with_defaults(world, "mona")
    for text in commitments:
        await world.say("mona", f"commit {text}")
    await world.command("mona", "accountability", "manager @dana", "dana")


async def _statuses(world: World) -> list[str]:
    return [c.status for c in await world.db.all(CheckIn, order_by=CheckIn.id)]


async def test_done_typed_after_the_checkin_arrived_voids_it_and_it_is_never_a_miss(world: World) -> None:
    await _mona_with_dana(world, "20 calls every weekday")
    await world.at(MONDAY_SLOT)
    assert "20 calls" in world.last("mona").plain_text

    await world.say("mona", "done 1")
    await world.at(berlin(24, 0, 1))  # the day closes

    assert await _statuses(world) == ["void"]
    (commitment,) = await world.db.all(Commitment)
    assert (commitment.status, commitment.miss_run, commitment.yes_run) == ("done", 0, 0)
    assert await world.db.count(Notice) == 0
    assert "void" in world.last("mona").plain_text and "doesn't count" in world.last("mona").plain_text
    page = text_of(await world.command("mona", "accountability", ""))
    assert "20 calls: weekdays (done)" not in page  # finished commitments leave the list
    home = await home_page(world.ctx, world.actor("mona").address)
    assert home is not None and "Mon 23 Nov: 20 calls: — void (didn't count)" in home.plain_text
    assert "no answer" not in "\n".join(world.received("mona"))


async def test_a_pause_after_a_no_voids_the_next_checkin_so_the_manager_hears_nothing(world: World) -> None:
    await _mona_with_dana(world, "20 calls every weekday")
    await world.at(MONDAY_SLOT)
    (first,) = await world.db.all(CheckIn)
    await world.click("mona", [b for b in world.last("mona").buttons if b.label == "No"][0])
    await world.say("mona", "A customer escalation ate the day.")
    await world.at(berlin(24, 16, 30))  # Tuesday's check-in arrives: a second miss would escalate

    reply = text_of(await world.say("mona", "pause until Wednesday"))
    await world.at(berlin(25, 0, 1))

    assert "nothing counts as a miss" in reply
    assert await _statuses(world) == ["no", "void"]
    assert first.id == (await world.db.all(CheckIn, order_by=CheckIn.id))[0].id
    assert await world.db.count(Notice) == 0
    assert not [t for t in world.received("dana") if "missed" in t]
    team = text_of(await world.command("dana", "accountability", "team"))
    assert "Mona 0/1 (1 void, not counted)" in team
    page = text_of(await world.command("mona", "accountability", ""))
    assert "Paused through Wed 25 Nov 2026" in page


async def test_a_command_typed_while_a_note_is_awaited_runs_as_that_command(world: World) -> None:
    await _mona_with_dana(world, "20 calls every weekday")
    await world.at(MONDAY_SLOT)
    no = [b for b in world.last("mona").buttons if b.label == "No"][0]
    asked = text_of(await world.click("mona", no))
    assert "What got in the way" in asked

    logged = text_of(await world.say("mona", "commit send Acme the proposal by Friday"))
    listed = text_of(await world.say("mona", "list"))
    thanks = text_of(await world.say("mona", "Two no-shows and a long internal meeting."))

    assert logged.startswith("Logged #2: send Acme the proposal")
    assert "#2 send Acme the proposal" in listed
    assert "noted" in thanks.lower()
    (checkin,) = await world.db.all(CheckIn)
    assert (checkin.status, checkin.note) == ("no", "Two no-shows and a long internal meeting.")
    assert [c.title for c in await world.db.all(Commitment, order_by=Commitment.seq)] == ["20 calls", "send Acme the proposal"]


async def test_a_note_that_merely_starts_with_a_command_word_is_a_note(world: World) -> None:
    await _mona_with_dana(world, "20 calls every weekday")
    await world.at(MONDAY_SLOT)
    await world.click("mona", [b for b in world.last("mona").buttons if b.label == "No"][0])

    await world.say("mona", "done by noon was the plan, then the CRM went down")

    (checkin,) = await world.db.all(CheckIn)
    assert checkin.note == "done by noon was the plan, then the CRM went down"
    assert (await world.db.all(Commitment))[0].status == "active"


async def test_two_nos_get_one_reflection_each_in_order(world: World) -> None:
    await _mona_with_dana(world, "20 calls every weekday", "update CRM daily")
    await world.at(MONDAY_SLOT)
    message = world.last("mona")
    nos = [b for b in message.buttons if b.label == "No"]
    first = text_of(await world.click("mona", nos[0]))
    second = text_of(await world.click("mona", nos[1]))
    after_one = text_of(await world.say("mona", "calls: no leads"))
    after_two = text_of(await world.say("mona", "CRM: it was down"))

    assert "What got in the way of “20 calls”" in first
    assert "What got in the way" not in second  # asked once the first is answered
    assert "What got in the way of “update CRM”" in after_one
    assert "What got in the way" not in after_two
    notes = [(c.status, c.note) for c in await world.db.all(CheckIn, order_by=CheckIn.id)]
    assert notes == [("no", "calls: no leads"), ("no", "CRM: it was down")]


# -- no lost slot ---------------------------------------------------------------------------

Change = Callable[[World], Awaitable[object]]


async def _terms_at_six(world: World) -> None:
    values = {
        "support_words": "", "days": ("0", "1", "2", "3", "4"), "time": "18:00", "tone": "encouraging",
        "followup_words": "", "after_miss": ("reflect",), "threshold": "2", "no_answer": "miss", "streak": "5",
        "oneoff": ("share",),
    }
    await handle(world.ctx, FormSubmit(world.actor("mona"), "terms", values))


async def _move_to_london(world: World) -> None:
    await handle(world.ctx, TextMessage(Actor(world.actor("mona").address, "Mona", "Europe/London"), "list"))


CHANGES: dict[str, Change] = {
    "commit": lambda w: w.say("mona", "commit send Acme the proposal by Friday"),
    "done": lambda w: w.say("mona", "done 2"),
    "drop": lambda w: w.say("mona", "drop 2"),
    "edit": lambda w: w.say("mona", "edit 2 update CRM every weekday"),
    "pause_one": lambda w: w.say("mona", "pause 2"),
    "pause_other_day": lambda w: w.say("mona", "pause until 2026-11-27"),
    "terms": _terms_at_six,
    "timezone": _move_to_london,
}
OFFSETS = [timedelta(minutes=m) for m in (-60, -1, 0, 1, 20, 180)]


@pytest.mark.parametrize("offset", OFFSETS, ids=lambda o: f"{int(o.total_seconds() // 60):+d}min")
@pytest.mark.parametrize("change", list(CHANGES), ids=str)
async def test_a_change_around_the_slot_never_loses_it(world: World, change: str, offset: timedelta) -> None:
    await onboard_with_defaults(world, "mona")
    await world.say("mona", "commit 20 calls every weekday")
    await world.say("mona", "commit update CRM daily")
    world.clock.set(MONDAY_SLOT + offset)  # no tick has run since the slot came
    await CHANGES[change](world)
    await world.at(berlin(23, 23, 58))

    prompts = await world.db.all(Prompt)
    if change == "pause_other_day":  # paused through Friday: nothing is due on Monday at all
        assert prompts == []
        return
    assert [p.local_date.isoformat() for p in prompts] == ["2026-11-23"]
    asked = {c.commitment_id for c in await world.db.all(CheckIn)}
    first = (await world.db.all(Commitment, Commitment.seq == 1))[0]
    assert first.id in asked


async def test_text_no_database_can_store_is_kept_safely_on_both_databases(database_url: str) -> None:
    """A NUL byte (PostgreSQL refuses it) or a lone surrogate (no encoding has one) in anything a
    person types is stored as U+FFFD, never misreported as the database being down."""
    from handlers.contract.messages import Message
    from handlers.contract.outcomes import FormErrors, OpenForm
    from handlers.pipeline import deliver

    class Replies:
        said: list[str] = []

        async def reply(self, message: Message) -> None:
            self.said.append(message.plain_text)

        async def update(self, ref: str | None, message: Message) -> None: ...

        async def open_form(self, form: OpenForm) -> None: ...

        async def form_errors(self, errors: FormErrors) -> None: ...

    async with open_world(database_url) as world:
        await onboard_with_defaults(world, "mona")
        await world.at(MONDAY_SLOT - timedelta(hours=1))
        await world.say("mona", "commit 20 calls every weekday")
        await world.at(MONDAY_SLOT)
        await world.click("mona", [b for b in world.last("mona").buttons if b.label == "No"][0])
        replies = Replies()
        actor = Actor(world.actor("mona").address, "Mo\x00na\ud800", "Europe/Berlin")
        await deliver(world.ctx, TextMessage(actor, "Zero\x00 and \ud83d half an emoji"), replies, platform="test")

        (checkin,) = await world.db.all(CheckIn)
        assert checkin.note == "Zero\ufffd and \ufffd half an emoji"
        assert "database" not in " ".join(replies.said)
