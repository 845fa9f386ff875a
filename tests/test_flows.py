"""Conversations end to end through the neutral entry point (`handlers.router.handle`), the
scheduler's jobs and the outbox, on a real SQLite file: proposals, pauses, the later nudge,
a manager who declines, versioned terms, streak wins, and a database that is gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from handlers.context import Context
from handlers.contract.incoming import Actor, ButtonClick, Command, TextMessage
from handlers.contract.messages import Address, Button, Message
from handlers.contract.outcomes import Reply, Result
from handlers.contract.ports import FixedClock
from handlers.router import DATABASE_DOWN, handle
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import run_due
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import CheckIn, Terms
from storage.store import Store

BERLIN = "Europe/Berlin"
MONDAY_8 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 Berlin


@dataclass
class RecordingChat:
    """Stands in for a chat platform: records every message sent to each user."""

    platform: str = "test"
    inbox: dict[str, list[Message]] = field(default_factory=dict)

    async def send(self, to: Address, message: Message) -> str:
        self.inbox.setdefault(to.user_id, []).append(message)
        return f"{to.user_id}:{len(self.inbox[to.user_id])}"

    async def update(self, to: Address, ref: str, message: Message) -> None:
        self.inbox.setdefault(to.user_id, []).append(message)

    def rate_per_second(self, workspace_id: str) -> float:
        return 1000.0

    def conversation_rate_per_second(self) -> float:
        return 0.0



@dataclass
class World:
    ctx: Context
    clock: FixedClock
    chat: RecordingChat
    dispatcher: Dispatcher

    def actor(self, name: str) -> Actor:
        return Actor(Address("test", "T1", name), name.capitalize(), BERLIN)

    async def say(self, name: str, text: str) -> Result:
        result = await handle(self.ctx, TextMessage(self.actor(name), text))
        await self.dispatcher.drain(real_sleep=False)
        return result

    async def command(self, name: str, command: str, text: str, *mentions: str) -> Result:
        result = await handle(
            self.ctx, Command(self.actor(name), command, text, tuple(Address("test", "T1", m) for m in mentions))
        )
        await self.dispatcher.drain(real_sleep=False)
        return result

    async def click(self, name: str, button: Button) -> Result:
        result = await handle(self.ctx, ButtonClick(self.actor(name), button.action, button.value))
        await self.dispatcher.drain(real_sleep=False)
        return result

    async def at(self, when: datetime) -> None:
        self.clock.set(when)
        await run_due(self.ctx.store, when)
        await self.dispatcher.drain(real_sleep=False)

    def last(self, name: str) -> Message:
        return self.chat.inbox[name][-1]

    def received(self, name: str) -> list[str]:
        return [m.plain_text for m in self.chat.inbox.get(name, [])]


def text_of(result: Result) -> str:
    return "\n".join(item.message.plain_text for item in result.items if isinstance(item, Reply))


def button(message: Message, label: str, index: int = 0) -> Button:
    return [b for b in message.buttons if b.label == label][index]


@pytest.fixture
async def world(sqlite_database_url: str) -> AsyncIterator[World]:
    await asyncio.to_thread(upgrade, sqlite_database_url)
    engine = make_engine(sqlite_database_url)
    clock = FixedClock(MONDAY_8)
    ctx = Context(store=Store(make_sessionmaker(engine)), clock=clock)
    chat = RecordingChat()
    yield World(ctx=ctx, clock=clock, chat=chat, dispatcher=Dispatcher(ctx.store, {"test": chat}, clock))
    await engine.dispose()


async def onboard_with_defaults(world: World, name: str) -> None:
    result = await world.say(name, "hi")
    keep = [b for item in result.items if isinstance(item, Reply) for b in item.message.buttons][0]
    await world.click(name, keep)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 wall time in Berlin (UTC+1) as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


async def test_manager_proposal_must_be_accepted_before_it_is_asked_about(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await onboard_with_defaults(world, "mona")
    await world.command("mona", "accountability", "manager @dana", "dana")
    refused = await world.command("raj", "commit", "@mona call Acme by Friday", "mona")
    assert "Only Mona's accountability partner" in text_of(refused)

    sent = await world.command("dana", "commit", "@mona call Acme by Wednesday", "mona")
    assert "Sent to Mona to accept" in text_of(sent)
    proposal = world.last("mona")
    assert "It only counts if you accept it" in proposal.plain_text

    await world.at(berlin(25, 16, 31))
    assert not any("check-in" in t.lower() for t in world.received("mona")), "a proposal is not asked about"

    stranger = await world.click("raj", button(proposal, "Accept"))
    assert "isn't yours" in text_of(stranger)
    accepted = await world.click("mona", button(proposal, "Accept"))
    assert "Accepted: #1 call Acme" in text_of(accepted)
    assert "Mona accepted “call Acme”." in world.received("dana")
    again = await world.click("mona", button(proposal, "Decline"))
    assert "already answered" in text_of(again)

    await world.at(berlin(26, 16, 31))
    assert "#1 call Acme (due Wed 25 Nov)" in world.last("mona").plain_text


async def test_pause_means_nothing_is_due_and_resume_brings_checkins_back(world: World) -> None:
    await onboard_with_defaults(world, "mona")
    await world.command("mona", "commit", "20 calls every weekday")
    paused = await world.command("mona", "accountability", "pause until 2026-11-25")
    assert "Paused through Wed 25 Nov 2026" in text_of(paused)
    await world.at(berlin(25, 23, 59))
    assert not any("check-in" in t.lower() for t in world.received("mona"))
    await world.at(berlin(26, 16, 30))
    assert "(Thu 26 Nov)" in world.last("mona").plain_text
    past = await world.command("mona", "accountability", "pause until 2026-11-01")
    assert "in the past" in text_of(past)


async def test_nudge_later_lets_a_no_become_a_yes_before_the_day_ends(world: World) -> None:
    await world.say("mona", "hi")
    await world.say("mona", "skip")
    for choice in ("weekdays", "16:30", "encouraging"):
        await world.click("mona", Button("", "terms", f"{'days' if choice == 'weekdays' else 'time' if ':' in choice else 'tone'}:{choice}"))
    await world.say("mona", "skip")
    for value in ("followup:nudge", "threshold:1", "no_answer:miss", "wins:none"):
        await world.click("mona", Button("", "terms", value))
    await world.command("mona", "accountability", "manager @dana", "dana")  # unknown yet: refused
    await onboard_with_defaults(world, "dana")
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")

    await world.at(berlin(23, 16, 30))
    checkin = world.last("mona")
    no = await world.click("mona", button(checkin, "No"))
    assert "What got in the way" not in text_of(no), "Mona chose a later nudge, not a reflection question"
    assert not any("has missed" in t for t in world.received("dana")), "not settled until the nudge is answered"

    await world.at(berlin(23, 19, 30))
    nudge = world.last("mona")
    assert "Still time today" in nudge.plain_text
    done = await world.click("mona", button(nudge, "Done it now"))
    assert "Nice work" in text_of(done)
    async with world.ctx.store.sessions() as s:
        row = await s.scalar(select(CheckIn))
        assert row is not None and (row.status, row.recovered) == ("yes", True)
    await world.at(berlin(24, 1, 0))
    assert not any("has missed" in t for t in world.received("dana")), "a recovered miss is no miss"


async def test_threshold_one_escalates_once_per_run_and_a_declined_manager_hears_nothing(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await world.say("mona", "hi")
    await world.say("mona", "Weekdays at 16:30, just the facts")
    await world.say("mona", "Ask me what got in the way. Tell my manager after 1 miss.")
    await world.click("mona", Button("", "terms", "no_answer:miss"))
    await world.click("mona", Button("", "terms", "wins:s3o"))
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")

    for day in (23, 24):
        await world.at(berlin(day, 16, 30))
        await world.click("mona", button(world.last("mona"), "No"))
        await world.say("mona", f"reason {day}")
    escalations = [t for t in world.received("dana") if "has missed" in t]
    assert len(escalations) == 1 and "1 time in a row" in escalations[0] and "reason 23" in escalations[0]

    link_message = next(m for m in world.chat.inbox["dana"] if "named you" in m.plain_text)
    await world.click("dana", button(link_message, "Decline"))
    assert any("declined to be your accountability partner" in t for t in world.received("mona"))
    before = len(world.received("dana"))
    for day in (25, 26, 27):
        await world.at(berlin(day, 16, 30))
        await world.click("mona", button(world.last("mona"), "Yes"))
    assert len(world.received("dana")) == before, "a declined manager hears nothing, wins included"


async def test_streak_wins_at_k_and_each_multiple(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await world.say("mona", "hi")
    await world.say("mona", "every day at 9am, encouraging")
    await world.say("mona", "skip")
    for value in ("followup:reflect", "threshold:2", "no_answer:miss", "wins:s3o"):
        await world.click("mona", Button("", "terms", value))
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "update CRM daily")
    for day in range(24, 30):
        await world.at(berlin(day, 9, 0))
        await world.click("mona", button(world.last("mona"), "Yes"))
    wins = [t for t in world.received("dana") if t.startswith("🎉")]
    assert len(wins) == 2 and "3 check-ins in a row" in wins[0] and "6 check-ins in a row" in wins[1]


async def test_terms_are_versioned_and_shown_back(world: World) -> None:
    await world.say("mona", "hi")
    await world.say("mona", "Mon Wed Fri at 8am please, straight talk")
    await world.say("mona", "never tell my manager. Ask me what got in the way")
    await world.click("mona", Button("", "terms", "no_answer:ignore"))
    done = await world.click("mona", Button("", "terms", "wins:none"))
    assert "version 1" in text_of(done)
    assert "Mon, Wed and Fri at 08:00" in text_of(done)
    assert "your manager never hear about misses" not in text_of(done)
    assert "your manager never hears about misses from me" in text_of(done)
    await world.command("mona", "accountability", "terms")
    await world.say("mona", "weekdays at 17:00, encouraging")
    await world.say("mona", "skip")
    for value in ("followup:both", "threshold:3", "no_answer:miss", "wins:s5o"):
        last = await world.click("mona", Button("", "terms", value))
    assert "version 2" in text_of(last)
    async with world.ctx.store.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Terms)) == 2
    overview = await world.command("mona", "accountability", "")
    assert "weekdays at 17:00" in text_of(overview)


async def test_a_stale_terms_button_is_harmless(world: World) -> None:
    await world.say("mona", "hi")
    await world.say("mona", "skip")
    stale = await world.click("mona", Button("", "terms", "q1:defaults"))
    assert "already answered" in text_of(stale)


async def test_database_gone_gets_a_clear_reply() -> None:
    engine = make_engine("postgresql+asyncpg://nobody@127.0.0.1:9/nothing")
    ctx = Context(store=Store(make_sessionmaker(engine)), clock=FixedClock(MONDAY_8))
    result = await handle(ctx, Command(Actor(Address("test", "T1", "mona"), "Mona", BERLIN), "commit", "20 calls daily"))
    assert text_of(result) == DATABASE_DOWN
    await engine.dispose()


async def test_manager_chooses_the_digest_cadence(world: World) -> None:
    await onboard_with_defaults(world, "dana")
    await onboard_with_defaults(world, "mona")
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")
    garbled = await world.command("dana", "accountability", "digest sometimes")
    assert "Nothing changed" in text_of(garbled)
    chosen = await world.command("dana", "accountability", "digest friday 16:00")
    assert "Fri 27 Nov at 16:00" in text_of(chosen)

    def digests() -> list[str]:
        return [t for t in world.received("dana") if t.startswith("Your weekly digest.")]

    await world.at(berlin(27, 15, 59))
    assert digests() == []
    await world.at(berlin(27, 16, 0))
    assert len(digests()) == 1
    await world.at(berlin(27, 23, 0))
    assert len(digests()) == 1, "one digest per slot"

    off = await world.command("dana", "accountability", "digest off")
    assert "Weekly digest off" in text_of(off)
    await world.at(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    assert len(digests()) == 1


async def test_concurrent_commands_from_one_new_person_all_land(database_url: str) -> None:
    """First contact and several /commit at once: the unique keys collide, the losers run again."""
    import asyncio as aio

    from handlers.context import Context as Ctx
    from handlers.contract.incoming import Actor as Who
    from handlers.contract.incoming import Command as Cmd
    from handlers.contract.ports import FixedClock as Clock
    from handlers.router import handle as route
    from storage.models import Commitment as C
    from storage.models import Person as P
    from tests.support import Database as Db
    from tests.support import migrate as up

    await up(database_url)
    async with Db(database_url) as db:
        ctx = Ctx(store=db.store, clock=Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
        who = Who(Address("test", "T1", "URACE"), "Racer", "Europe/Berlin")
        results = await aio.gather(*(route(ctx, Cmd(who, "commit", f"{n + 10} calls every weekday")) for n in range(6)))
        assert not any(r.nothing_saved for r in results)
        assert await db.count(P) == 1
        assert sorted(c.seq for c in await db.all(C)) == [1, 2, 3, 4, 5, 6]
