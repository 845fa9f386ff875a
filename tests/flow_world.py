"""The world the conversation tests (`test_flows*.py`) run in: the neutral entry point
(`handlers.router.handle`), the scheduler's jobs and the outbox on a migrated SQLite file,
with a recording chat standing in for the platforms.

Clicks are only ever on buttons the bot sent: `World.click` takes a `Button` found in a
message (`button(message, label)`), and `World.choose` clicks one of the buttons in the
latest reply to that person. `World.db` reads back what was saved.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from handlers.context import Context
from handlers.contract.incoming import Actor, ButtonClick, Command, TextMessage
from handlers.contract.messages import Address, Button, Message
from handlers.contract.outcomes import Reply, Result
from handlers.contract.ports import FixedClock
from handlers.router import handle
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import run_due
from storage.models import Person, Terms
from tests.support import Database, migrate

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


def replies_in(result: Result) -> list[Message]:
    return [item.message for item in result.items if isinstance(item, Reply)]


def text_of(result: Result) -> str:
    return "\n".join(message.plain_text for message in replies_in(result))


def button(message: Message, label: str, index: int = 0) -> Button:
    """The `index`th button labelled `label` in a message the bot sent."""
    found = [b for b in message.buttons if b.label == label]
    assert len(found) > index, f"no button {label!r} in {[b.label for b in message.buttons]}"
    return found[index]


@dataclass
class World:
    ctx: Context
    clock: FixedClock
    chat: RecordingChat
    dispatcher: Dispatcher
    db: Database
    replies: dict[str, list[Message]] = field(default_factory=dict)
    """The messages of the latest reply to each person (what they can click next)."""

    def actor(self, name: str) -> Actor:
        return Actor(Address("test", "T1", name), name.capitalize(), BERLIN)

    async def _handled(self, name: str, result: Result) -> Result:
        self.replies[name] = replies_in(result)
        await self.dispatcher.drain(real_sleep=False)
        return result

    async def say(self, name: str, text: str) -> Result:
        return await self._handled(name, await handle(self.ctx, TextMessage(self.actor(name), text)))

    async def command(self, name: str, command: str, text: str, *mentions: str) -> Result:
        incoming = Command(self.actor(name), command, text, tuple(Address("test", "T1", m) for m in mentions))
        return await self._handled(name, await handle(self.ctx, incoming))

    async def click(self, name: str, pressed: Button) -> Result:
        """`name` clicks a button the bot sent (to them, or to someone else)."""
        return await self._handled(name, await handle(self.ctx, ButtonClick(self.actor(name), pressed.action, pressed.value)))

    def offered(self, name: str, label: str) -> Button:
        """The button labelled `label` in the latest reply to `name`."""
        found = [b for message in self.replies.get(name, []) for b in message.buttons if b.label == label]
        shown = [b.label for message in self.replies.get(name, []) for b in message.buttons]
        assert found, f"{name} was not offered {label!r}; the latest reply offered {shown}"
        return found[0]

    async def choose(self, name: str, *labels: str) -> Result:
        """`name` clicks each of `labels` in turn, each from the reply to the click before."""
        result = Result()
        for label in labels:
            result = await self.click(name, self.offered(name, label))
        return result

    async def at(self, when: datetime) -> None:
        self.clock.set(when)
        await run_due(self.ctx.store, when)
        await self.dispatcher.drain(real_sleep=False)

    def offered_in_last(self, name: str, label: str) -> Button:
        """The button labelled `label` in the latest message the bot delivered to `name`."""
        return button(self.last(name), label)

    def last(self, name: str) -> Message:
        return self.chat.inbox[name][-1]

    def received(self, name: str) -> list[str]:
        return [m.plain_text for m in self.chat.inbox.get(name, [])]

    async def person(self, name: str) -> Person:
        (row,) = await self.db.all(Person, Person.user_id == name)
        return row

    async def terms(self, name: str) -> list[Terms]:
        """`name`'s terms, every version, oldest first."""
        person = await self.person(name)
        return await self.db.all(Terms, Terms.person_id == person.id, order_by=Terms.version)


@asynccontextmanager
async def open_world(database_url: str) -> AsyncIterator[World]:
    """A `World` on a freshly migrated database at `database_url`, Monday 08:00 in Berlin."""
    await migrate(database_url)
    async with Database(database_url) as db:
        clock = FixedClock(MONDAY_8)
        ctx = Context(store=db.store, clock=clock)
        chat = RecordingChat()
        yield World(ctx=ctx, clock=clock, chat=chat, dispatcher=Dispatcher(ctx.store, {"test": chat}, clock), db=db)


async def onboard_with_defaults(world: World, name: str) -> None:
    await world.say(name, "hi")
    await world.choose(name, "Keep the defaults for now")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 wall time in Berlin (UTC+1) as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)
