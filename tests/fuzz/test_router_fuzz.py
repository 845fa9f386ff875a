"""The whole core through `handlers.router.handle`, fuzzed with any text as `/commit`,
`/accountability` and a plain message, on a real (migrated) SQLite file.

Properties: it never raises; it always answers, with no empty message; a `/commit` either
logs exactly one commitment ("Logged #N") or says what it understood and that nothing was
saved; and whenever the answer says nothing was saved or changed (or that it didn't
understand), nothing the person owns changed in the database.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers.context import Context
from handlers.contract.incoming import Actor, Command, Incoming, TextMessage
from handlers.contract.outcomes import Reply, Result
from handlers.contract.ports import FixedClock
from handlers.router import handle
from storage.models import Base, Commitment, ProcessedEvent
from tests.fuzz.strategies import command_text
from tests.support import Database, actor, migrate

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday, 11:00 in Berlin
NOTHING_CHANGED = re.compile(r"nothing (was |is )?(saved|changed)|didn't understand|couldn't read", re.IGNORECASE)
PER_CONTACT = {"greeted", "reachable", "conversation_state"}
"""Person columns any contact may set (they met the bot; a conversation moved on): not data they own."""

ROUTER = settings(
    max_examples=120,
    # Each example reads and writes a SQLite file: its time is the disk's, not the code's.
    # The readers' own time is bounded by the deadline in test_rules_fuzz.
    deadline=None,
    # The database is deliberately built once per test and shared by its examples (a migration
    # per example would take most of the time); every example compares with its own snapshot.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@dataclass
class World:
    db: Database
    ctx: Context
    newcomers: itertools.count[int]

    def someone(self, newcomer: bool) -> Actor:
        """The regular (who met the bot before the examples began), or someone new."""
        return actor(next(self.newcomers)) if newcomer else actor()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    url = f"sqlite+aiosqlite:///{tmp_path}/fuzz.db"
    await migrate(url)
    async with Database(url) as db:
        ctx = Context(store=db.store, clock=FixedClock(NOW))
        await handle(ctx, Command(actor(), "accountability", "help"))
        yield World(db, ctx, itertools.count(100))


async def snapshot(db: Database) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table, as sets of tuples; people without their per-contact columns."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    async with db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == ProcessedEvent.__tablename__:
                continue
            columns = [c for c in table.columns if c.name not in PER_CONTACT]
            found[table.name] = {tuple(row) for row in (await session.execute(select(*columns))).all()}
    return found


def only_existing_people(before: dict[str, set[tuple[Any, ...]]], after: dict[str, set[tuple[Any, ...]]]) -> None:
    """A newcomer's first contact adds their person row; drop it so the rest can be compared."""
    known = {row[0] for row in before["person"]}
    after["person"] = {row for row in after["person"] if row[0] in known}


def replies(result: Result) -> str:
    texts = [item.message.plain_text for item in result.items if isinstance(item, Reply)]
    assert texts, f"no reply at all: {result.items}"
    assert all(text.strip() for text in texts), texts
    return "\n".join(texts)


async def check(world: World, incoming: Incoming) -> tuple[str, str]:
    """Handle `incoming`, check the properties; (the answer, what kind of answer it was)."""
    before = await snapshot(world.db)
    commitments = len(before["commitment"])
    answer = replies(await handle(world.ctx, incoming))
    after = await snapshot(world.db)
    only_existing_people(before, after)
    if NOTHING_CHANGED.search(answer):
        kind = "nothing changed, as it says"
        assert after == before, answer
    else:
        kind = "something changed" if after != before else "nothing to change"
    if isinstance(incoming, Command) and incoming.name == "commit":
        logged = len(after["commitment"]) - commitments
        if "Logged #" in answer:
            assert logged == 1, answer
        else:
            assert logged == 0, answer
            assert "Nothing was saved" in answer, answer
    return answer, kind


@ROUTER
@given(name=st.sampled_from(["commit", "accountability"]), text=command_text, newcomer=st.booleans())
@example(name="commit", text="call ² people every day", newcomer=False)
@example(name="commit", text="send it by 9999-12-31", newcomer=False)
@example(name="commit", text="send it by year 3000", newcomer=False)
@example(name="commit", text=f"send it in {10**30} days", newcomer=False)
@example(name="commit", text="on " * 100, newcomer=False)
@example(name="commit", text="x" * 100_000, newcomer=False)
@example(name="commit", text="'; DROP TABLE person; -- every day", newcomer=False)
@example(name="commit", text="<script>alert(1)</script> <!channel> *bold* by friday", newcomer=False)
@example(name="commit", text="call \ud800 every day", newcomer=False)
@example(name="commit", text="\x00\x1b[31m by friday", newcomer=False)
@example(name="accountability", text="done ²", newcomer=False)
@example(name="accountability", text="pause ²", newcomer=False)
@example(name="accountability", text="pause until 9999-12-31", newcomer=False)
@example(name="accountability", text="pause until year 3000", newcomer=False)
@example(name="accountability", text="edit 1 x by 9999-12-31", newcomer=False)
@example(name="accountability", text="digest monday ²:30", newcomer=False)
@example(name="accountability", text=f"done {10**30}", newcomer=False)
@example(name="accountability", text="timezone \ud800", newcomer=False)
@example(name="accountability", text="holidays \x00 ²", newcomer=False)
async def test_a_command_with_any_text_is_answered_and_saves_only_what_it_says(
    world: World, name: str, text: str, newcomer: bool
) -> None:
    event((await check(world, Command(world.someone(newcomer), name, text)))[1])


@ROUTER
@given(text=command_text, newcomer=st.booleans())
@example(text="commit call ² people every day", newcomer=False)
@example(text="done ١٢", newcomer=False)
@example(text="pause until 31 Dec 9999", newcomer=False)
@example(text="", newcomer=True)
@example(text="\ud800\udfff", newcomer=False)
@example(text="terms", newcomer=False)
async def test_a_message_with_any_text_is_answered_and_saves_only_what_it_says(world: World, text: str, newcomer: bool) -> None:
    event((await check(world, TextMessage(world.someone(newcomer), text)))[1])


async def test_a_commit_that_is_not_understood_saves_no_commitment(world: World) -> None:
    for text in ("", "call Bob", "call Bob by blorp", "x" * 600, "by friday"):
        answer, _ = await check(world, Command(actor(), "commit", text))
        assert "Nothing was saved" in answer
    assert await world.db.count(Commitment) == 0
