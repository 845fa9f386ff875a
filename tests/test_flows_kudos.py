"""Kudos end to end through `handlers.router.handle`, the outbox and a recording chat that
keeps channel posts apart from direct messages: "Send kudos" on a win, the note form, one
kudos per win, a stranger's click, `/accountability kudos @rep NOTE`, and the team channel
the rep chose (which receives the kudos and nothing else)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

import pytest

from handlers.contract.incoming import FormSubmit
from handlers.contract.messages import Address, Message
from handlers.contract.outcomes import OpenForm
from handlers.router import handle
from scheduler.dispatcher import Dispatcher
from storage.coaching_models import Kudos
from storage.models import Notice, Outbox
from tests.flow_world import (
    RecordingChat,
    World,
    berlin,
    button,
    onboard_with_defaults,
    open_world,
    text_of,
)


@dataclass
class ChannelChat(RecordingChat):
    """A recording chat that files a send to a channel under that channel, not the person."""

    channels: dict[str, list[Message]] = field(default_factory=dict)

    async def send(self, to: Address, message: Message) -> str:
        if to.channel_id is not None:
            self.channels.setdefault(to.channel_id, []).append(message)
            return f"{to.channel_id}:{len(self.channels[to.channel_id])}"
        return await super().send(to, message)


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    async with open_world(sqlite_database_url) as opened:
        opened.chat = ChannelChat()
        opened.dispatcher = Dispatcher(opened.ctx.store, {"test": opened.chat}, opened.clock)
        yield opened


def channel(world: World, name: str) -> list[str]:
    chat = world.chat
    assert isinstance(chat, ChannelChat)
    return [m.plain_text for m in chat.channels.get(name, [])]


async def _team(world: World, *, words: str | None = None) -> None:
    """Dana manages Mona; Mona answers the two questions (in `words`, naming a kudos channel) or keeps the defaults."""
    await onboard_with_defaults(world, "dana")
    if words is None:
        await onboard_with_defaults(world, "mona")
    else:
        await world.say("mona", "hi")
        await world.say("mona", words)
        await world.say("mona", "skip")
        await world.choose("mona", "Ask me what got in the way", "2", "Count it as a miss", "Streaks of 5 + promises kept")
    await world.command("mona", "accountability", "manager @dana", "dana")


async def _promise_kept(world: World) -> Message:
    await world.command("mona", "commit", "send Acme the proposal by Friday")
    await world.command("mona", "accountability", "done 1")
    win = world.last("dana")
    assert "kept a promise" in win.plain_text
    return win


async def test_a_win_gets_kudos_in_one_click_once_and_a_stranger_is_refused(world: World) -> None:
    await _team(world)
    await onboard_with_defaults(world, "raj")
    win = await _promise_kept(world)

    refused = await world.click("raj", button(win, "Send kudos"))
    assert "isn't yours" in text_of(refused) and "Nothing was sent" in text_of(refused)
    assert await world.db.count(Kudos) == 0
    assert not any("kudos" in t for t in world.received("mona"))

    sent = await world.click("dana", button(win, "Send kudos"))  # the console-like world: no forms, sent at once
    assert "Mona gets your kudos in a direct message" in text_of(sent)
    assert world.received("mona")[-1] == "🎉 Dana sent you kudos for keeping your promise: “send Acme the proposal”!"
    (kudos,) = await world.db.all(Kudos)
    (notice,) = await world.db.all(Notice)
    assert (kudos.rep_id, kudos.manager_id, kudos.notice_id, kudos.note, kudos.channel) == (
        (await world.person("mona")).id, (await world.person("dana")).id, notice.id, None, None,
    )

    queued = await world.db.count(Outbox)
    again = await world.click("dana", button(win, "Send kudos"))
    assert "already sent Mona kudos for this win" in text_of(again)
    assert await world.db.count(Kudos) == 1 and await world.db.count(Outbox) == queued


async def test_with_forms_the_click_opens_the_note_form_and_the_submit_sends_it(world: World) -> None:
    await _team(world)
    win = await _promise_kept(world)
    world.ctx = replace(world.ctx, forms=True)  # as on Slack and Teams

    opened = await world.click("dana", button(win, "Send kudos"))
    (form,) = [item for item in opened.items if isinstance(item, OpenForm)]
    assert [f.name for f in form.form.fields] == ["note"] and form.form.fields[0].optional
    assert "Kudos to Mona for keeping your promise" in form.form.intro
    assert await world.db.count(Kudos) == 0, "opening the form sends nothing"

    stranger = await handle(world.ctx, FormSubmit(world.actor("raj"), form.form.form_id, {"note": "sneaky"}))
    assert "isn't yours" in text_of(stranger) and await world.db.count(Kudos) == 0

    done = await handle(world.ctx, FormSubmit(world.actor("dana"), form.form.form_id, {"note": "  Great week!  "}))
    await world.dispatcher.drain(real_sleep=False)
    assert "Sent!" in text_of(done)
    assert world.received("mona")[-1] == "🎉 Dana sent you kudos for keeping your promise: “send Acme the proposal”: “Great week!”"
    twice = await handle(world.ctx, FormSubmit(world.actor("dana"), form.form.form_id, {"note": "again"}))
    assert "already sent" in text_of(twice)
    assert [k.note for k in await world.db.all(Kudos)] == ["Great week!"]


async def test_kudos_without_a_win_by_command_any_number_and_only_from_the_manager(world: World) -> None:
    await _team(world)
    await onboard_with_defaults(world, "raj")
    first = await world.command("dana", "accountability", "kudos @mona Great call with Acme today", "mona")
    assert "Sent!" in text_of(first)
    await world.command("dana", "accountability", "kudos @mona", "mona")
    assert world.received("mona")[-2:] == [
        "🎉 Dana sent you kudos: “Great call with Acme today”", "🎉 Dana sent you kudos!",
    ]
    stranger = await world.command("raj", "accountability", "kudos @mona nice", "mona")
    assert "Only Mona's accountability partner can send them kudos" in text_of(stranger)
    nobody = await world.command("dana", "accountability", "kudos")
    assert "Who for?" in text_of(nobody)
    assert [k.note for k in await world.db.all(Kudos, order_by=Kudos.id)] == ["Great call with Acme today", None]


async def test_the_channel_the_rep_chose_gets_the_kudos_and_nothing_else_all_week(world: World) -> None:
    await _team(world, words="Weekdays at 16:30, encouraging. Post kudos in #wins, I like a shout-out.")
    (terms,) = await world.terms("mona")
    assert terms.kudos_channel == "#wins"
    await world.command("mona", "commit", "20 calls every weekday")
    await world.command("mona", "commit", "send Acme the proposal by Wednesday")
    for day in range(23, 28):
        await world.at(berlin(day, 16, 30))
        prompt = world.last("mona")
        if day in (23, 24):  # two misses in a row: the manager hears, the rep is offered self-coaching
            await world.click("mona", button(prompt, "No"))
            await world.say("mona", "Customer fire drill.")
            continue
        for number in range(len([b for b in prompt.buttons if b.label == "Yes"])):
            await world.click("mona", button(prompt, "Yes", number))
    await world.at(berlin(28, 12, 0))
    kinds = [n.kind for n in await world.db.all(Notice, order_by=Notice.id)]
    assert "escalation" in kinds and "win" in kinds, kinds
    assert channel(world, "#wins") == [], "misses, escalations and wins never go to the channel"

    wins = [m for m in world.chat.inbox["dana"] if any(b.label == "Send kudos" for b in m.buttons)]
    for win in wins:
        await world.click("dana", button(win, "Send kudos"))
    await world.command("dana", "accountability", "kudos @mona Thanks for the honesty this week", "mona")
    posted = channel(world, "#wins")
    assert len(posted) == len(wins) + 1
    assert all(text.startswith("🎉 Dana sent Mona kudos") for text in posted)
    assert any("keeping a promise: “send Acme the proposal”" in text for text in posted)
    assert posted[-1] == "🎉 Dana sent Mona kudos: “Thanks for the honesty this week”"
    assert not any("Customer fire drill" in text for text in posted), "the rep's reflections never go there"
    assert {k.channel for k in await world.db.all(Kudos)} == {"#wins"}


async def test_a_streak_win_says_what_it_was_for(world: World) -> None:
    await _team(world)
    await world.command("mona", "commit", "20 calls every weekday")
    for day in range(23, 28):
        await world.at(berlin(day, 16, 30))
        await world.click("mona", button(world.last("mona"), "Yes"))
    (win,) = [m for m in world.chat.inbox["dana"] if any(b.label == "Send kudos" for b in m.buttons)]
    assert "5 check-ins in a row" in win.plain_text
    await world.click("dana", button(win, "Send kudos"))
    assert world.received("mona")[-1] == "🎉 Dana sent you kudos for keeping “20 calls” 5 check-ins in a row!"
